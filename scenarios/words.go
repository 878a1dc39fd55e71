package scenarios

import "slices"

// promptWords is the fixed vocabulary of generated prompts: 256 common
// English words, lower-case ASCII letters only (so they need no JSON
// escaping) of at most maxWordLen letters, most of them one token in the
// usual BPE tokenizers. A byte of randomness picks one word.
var promptWords = [256]string{
	"the", "of", "and", "to", "in", "is", "was", "for", "on", "that",
	"with", "as", "by", "at", "from", "his", "her", "he", "she", "it",
	"they", "we", "you", "this", "are", "be", "not", "or", "have", "had",
	"has", "but", "were", "which", "one", "all", "their", "there", "been", "if",
	"more", "when", "will", "would", "who", "so", "no", "time", "people", "year",
	"way", "day", "man", "thing", "woman", "life", "child", "world", "school", "state",
	"family", "student", "group", "country", "problem", "hand", "part", "place", "case", "week",
	"company", "system", "program", "question", "work", "cat", "number", "night", "point", "home",
	"water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right",
	"study", "book", "eye", "job", "word", "business", "issue", "side", "kind", "head",
	"house", "service", "friend", "father", "power", "hour", "game", "line", "end", "member",
	"law", "car", "city", "dog", "name", "tea", "team", "minute", "idea", "body",
	"box", "back", "parent", "face", "level", "office", "door", "health", "person", "art",
	"war", "history", "party", "result", "change", "morning", "reason", "research", "girl", "guy",
	"moment", "air", "teacher", "force", "hat", "foot", "boy", "age", "policy", "process",
	"music", "market", "sense", "nation", "plan", "college", "interest", "death", "cup", "effect",
	"use", "class", "control", "care", "field", "bed", "role", "effort", "rate", "heart",
	"drug", "show", "leader", "light", "voice", "wife", "police", "mind", "price", "report",
	"decision", "son", "view", "pen", "town", "road", "arm", "map", "value", "building",
	"action", "model", "season", "society", "tax", "director", "position", "player", "record", "paper",
	"space", "ground", "form", "event", "official", "matter", "center", "couple", "site", "project",
	"activity", "star", "table", "need", "court", "oil", "key", "cost", "industry", "figure",
	"street", "image", "phase", "land", "tree", "film", "hair", "color", "floor", "window",
	"garden", "river", "stone", "bird", "horse", "sea", "rain", "snow", "wind", "sun",
	"moon", "fire", "glass", "bread", "milk", "fish", "apple", "letter", "phone", "clock",
	"bank", "shop", "train", "ship", "plane", "bridge",
}

// maxWordLen is the length in bytes of the longest promptWords entry.
const maxWordLen = 8

// wordsRoom is the room appendWords needs for n words: at most
// maxWordLen+1 bytes a word, and the padding of the last word's slot.
func wordsRoom(n int) int { return n*(maxWordLen+1) + wordSlot }

// wordSlot is the width of a wordSlots entry: a word, its trailing space
// and zero padding, copied whole (one 16-byte move) and then overlapped
// by the next word.
const wordSlot = 16

var (
	wordSlots [256][wordSlot]byte // promptWords[i] + " ", zero-padded
	wordLens  [256]uint8          // len(promptWords[i]) + 1
)

func init() {
	for i, w := range promptWords {
		copy(wordSlots[i][:], w+" ")
		wordLens[i] = uint8(len(w) + 1)
	}
}

// appendWords appends n words of promptWords, separated by single spaces,
// to dst: the text of a generated prompt. The words come from an rng
// seeded with seed, eight words per draw, so the same seed and n always
// give the same text. It grows dst only when its capacity is below
// len(dst) + wordsRoom(n).
func appendWords(dst []byte, seed uint64, n int) []byte {
	if n <= 0 {
		return dst
	}
	start := len(dst)
	dst = slices.Grow(dst, wordsRoom(n))
	buf := dst[start:cap(dst)]
	r := rng{s: seed}
	pos := 0
	var bits uint64
	for i := 0; i < n; i++ {
		if i&7 == 0 {
			bits = r.next()
		}
		w := byte(bits)
		*(*[wordSlot]byte)(buf[pos : pos+wordSlot]) = wordSlots[w]
		pos += int(wordLens[w])
		bits >>= 8
	}
	return dst[:start+pos-1] // no space after the last word
}
