package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/loadlab/loadlab/redact"
)

// FileName is the name of the step file inside a results directory.
const FileName = "steps.jsonl"

// Writer appends records to a steps.jsonl file, one line each, and syncs
// after every record so that a crash keeps every completed step. Every
// record is redacted first (see Record.Redacted and RedactWith). Append
// is safe for concurrent use (a champion/challenger experiment records two
// versions' steps at once); each record stays one whole line.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	red  *redact.Redactor
}

// RedactWith makes Append scrub x's known secrets too (by default only
// URL credentials and secret query values are redacted).
func (w *Writer) RedactWith(x *redact.Redactor) { w.red = x }

// Create opens path for appending, creating it when absent.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open step file %s: %w", path, err)
	}
	return &Writer{f: f, path: path}, nil
}

// CreateNew is Create for a file that must not exist yet: it fails with
// an error wrapping fs.ErrExist when path exists (another run's steps),
// also when two runs race for it.
func CreateNew(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create step file %s: %w", path, err)
	}
	return &Writer{f: f, path: path}, nil
}

// Append writes one record as a JSON line and syncs it to disk.
func (w *Writer) Append(r Record) error {
	b, err := json.Marshal(r.Redacted(w.red))
	if err != nil {
		return fmt.Errorf("encode step %d of %s: %w", r.Step, r.Config.Name, err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("append to %s: %w", w.path, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.path, err)
	}
	return nil
}

// TornLine is a last line of steps.jsonl that is not valid JSON: the
// process died (or the disk filled) while appending it. The records before
// it are whole; the step it held is lost, so the run is incomplete.
type TornLine struct {
	// Path is the file (empty when read from a stream); Line is 1-based.
	Path  string
	Line  int
	Bytes int
	Err   error
}

func (t *TornLine) Error() string {
	where := "line " + strconv.Itoa(t.Line)
	if t.Path != "" {
		where = t.Path + " " + where
	}
	return fmt.Sprintf("%s was cut mid-write (%d bytes, not valid JSON): the step it held is lost", where, t.Bytes)
}

func (t *TornLine) Unwrap() error { return t.Err }

// Read decodes every record of a steps.jsonl stream. A torn last line (a
// crash mid-write) is left out; use ReadChecked to learn about it. Any
// other malformed line is an error that names the line.
func Read(r io.Reader) ([]Record, error) {
	recs, _, err := ReadChecked(r)
	return recs, err
}

// ReadChecked decodes every record of a steps.jsonl stream and reports a
// torn last line (nil when there is none) beside the records before it.
// Any other malformed line is an error that names the line.
func ReadChecked(r io.Reader) ([]Record, *TornLine, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	var torn *TornLine
	for sc.Scan() {
		line++
		if torn != nil {
			return nil, nil, fmt.Errorf("line %d: %w", torn.Line, torn.Err)
		}
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			// Only fatal if another line follows: the last line may be torn.
			torn = &TornLine{Line: line, Bytes: len(b), Err: err}
			continue
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return out, torn, nil
}

// ReadFile reads a steps.jsonl file; path may also be a results directory.
// A torn last line is left out; use ReadFileChecked to learn about it.
func ReadFile(path string) ([]Record, error) {
	recs, _, err := ReadFileChecked(path)
	return recs, err
}

// ReadFileChecked reads a steps.jsonl file (path may also be a results
// directory) and reports a torn last line, naming the file.
func ReadFileChecked(path string) ([]Record, *TornLine, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = path + string(os.PathSeparator) + FileName
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("read steps: %s does not exist (give a results directory or its %s)", path, FileName)
		}
		return nil, nil, fmt.Errorf("read steps: %w", err)
	}
	defer f.Close()
	recs, torn, err := ReadChecked(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if torn != nil {
		torn.Path = path
	}
	return recs, torn, nil
}
