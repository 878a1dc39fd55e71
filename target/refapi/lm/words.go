package lm

import "strings"

// The word lists the corpus draws its invented details from. They are
// fixed: changing one changes the corpus, the vocabulary and the artifact.
var (
	firstNames = strings.Fields(`ada alan alice amara amir ana andre anna arjun aya beatriz ben bianca bruno carla
		carlos chen chloe clara daniel david diego dmitri elena eli emma eric ethan fatima felix fiona gabriel grace
		hana hannah hugo ian ines isaac ivan jack james jana javier jin joao jonas julia kai karim kate kenji lars
		laura lea leo lina lucas lucia luis maya marco maria mark marta mateo mia mika nadia naomi nina noah olga
		omar oscar paul pedro petra priya rafael raj rosa ruth sam sara sean sofia stefan tara theo tomas uma
		valentina victor wei yara yusuf zara zoe`)
	lastNames = strings.Fields(`abbott adams ahmed alvarez andersen baker bauer becker bianchi brown campbell
		carter castro chen clarke costa cruz davies diaz dubois evans fischer flores garcia gomez gonzalez green
		hall hansen harris hoffmann hughes ito jansen jensen johnson kaur khan kim klein kowalski kumar lambert
		larsen lee lopez martin meyer miller moreau morris muller murphy nakamura nguyen novak okafor olsen
		park patel perez peters petrov rahman reyes ricci rossi russo santos schmidt scott silva singh smith
		suzuki tanaka taylor thomas torres turner vargas walker wang weber williams wilson wright yamamoto
		young zhang`)
	companyHeads = strings.Fields(`acme apex atlas aurora beacon birch blue bright cedar cobalt copper coral crest
		delta ember evergreen falcon fern granite harbor helix horizon indigo iron juniper keystone lumen maple
		meridian nimbus north oak onyx orbit pine polar quartz radiant redwood river sage sierra silver solar
		spruce summit terra tidal true vertex willow zenith`)
	companyTails = strings.Fields(`analytics bank biotech brands cloud consulting dynamics energy foods freight
		group health industries labs logistics media motors partners retail robotics software studios systems
		telecom ventures works`)
	industries = strings.Fields(`retail fintech healthcare insurance logistics manufacturing education hospitality
		travel media gaming telecom energy automotive construction agriculture pharma biotech banking real-estate
		e-commerce cybersecurity legal nonprofit government aerospace fashion food beverage consulting publishing
		marketing recruiting utilities mining chemicals shipping sports fitness security`)
	cities = strings.Fields(`amsterdam athens austin barcelona berlin bogota boston brussels budapest buenos-aires
		cairo calgary cape-town chicago copenhagen dallas delhi denver dubai dublin edinburgh frankfurt geneva
		hamburg helsinki houston istanbul jakarta johannesburg kyiv lagos lima lisbon london los-angeles lyon
		madrid manchester melbourne mexico-city miami milan montreal mumbai munich nairobi new-york osaka oslo
		paris porto prague rome santiago seattle seoul shanghai singapore stockholm sydney taipei tokyo toronto
		vancouver vienna warsaw zurich`)
	titles = strings.Fields(`analyst architect buyer cfo cto ceo coordinator designer developer director engineer
		founder manager marketer owner partner planner president recruiter researcher specialist strategist
		consultant accountant administrator`)
	titleLevels = strings.Fields(`junior senior lead principal head chief associate assistant`)
	pages       = strings.Fields(`pricing demo docs blog careers integrations security features case-studies
		webinar api changelog roadmap partners trial comparison faq support`)
)
