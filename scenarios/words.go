package scenarios

// promptWords is the fixed vocabulary of generated prompts: 256 common
// English words, lower-case ASCII letters only (so they need no JSON
// escaping), most of them one token in the usual BPE tokenizers. A byte
// of randomness picks one word.
var promptWords = [256]string{
	"the", "of", "and", "to", "in", "is", "was", "for", "on", "that",
	"with", "as", "by", "at", "from", "his", "her", "he", "she", "it",
	"they", "we", "you", "this", "are", "be", "not", "or", "have", "had",
	"has", "but", "were", "which", "one", "all", "their", "there", "been", "if",
	"more", "when", "will", "would", "who", "so", "no", "time", "people", "year",
	"way", "day", "man", "thing", "woman", "life", "child", "world", "school", "state",
	"family", "student", "group", "country", "problem", "hand", "part", "place", "case", "week",
	"company", "system", "program", "question", "work", "government", "number", "night", "point", "home",
	"water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right",
	"study", "book", "eye", "job", "word", "business", "issue", "side", "kind", "head",
	"house", "service", "friend", "father", "power", "hour", "game", "line", "end", "member",
	"law", "car", "city", "community", "name", "president", "team", "minute", "idea", "body",
	"information", "back", "parent", "face", "level", "office", "door", "health", "person", "art",
	"war", "history", "party", "result", "change", "morning", "reason", "research", "girl", "guy",
	"moment", "air", "teacher", "force", "education", "foot", "boy", "age", "policy", "process",
	"music", "market", "sense", "nation", "plan", "college", "interest", "death", "experience", "effect",
	"use", "class", "control", "care", "field", "development", "role", "effort", "rate", "heart",
	"drug", "show", "leader", "light", "voice", "wife", "police", "mind", "price", "report",
	"decision", "son", "view", "relationship", "town", "road", "arm", "difference", "value", "building",
	"action", "model", "season", "society", "tax", "director", "position", "player", "record", "paper",
	"space", "ground", "form", "event", "official", "matter", "center", "couple", "site", "project",
	"activity", "star", "table", "need", "court", "oil", "situation", "cost", "industry", "figure",
	"street", "image", "phase", "land", "tree", "film", "hair", "color", "floor", "window",
	"garden", "river", "stone", "bird", "horse", "sea", "rain", "snow", "wind", "sun",
	"moon", "fire", "glass", "bread", "milk", "fish", "apple", "letter", "phone", "clock",
	"bank", "shop", "train", "ship", "plane", "bridge",
}

// maxWordLen is the length in bytes of the longest promptWords entry.
const maxWordLen = 12

// appendWords appends n words of promptWords, separated by single spaces,
// to dst: the text of a generated prompt. The words come from an rng
// seeded with seed, eight words per draw, so the same seed and n always
// give the same text.
func appendWords(dst []byte, seed uint64, n int) []byte {
	r := rng{s: seed}
	var bits uint64
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		if i&7 == 0 {
			bits = r.next()
		}
		dst = append(dst, promptWords[byte(bits)]...)
		bits >>= 8
	}
	return dst
}
