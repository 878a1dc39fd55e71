package scenarios

import (
	"fmt"
	"io"
	"os"
)

// MaxInputFile is the largest input file a scenario may name (body_file,
// targets_file, tls.ca_file): 1 GiB, far above any real one, so that a
// mistake is refused instead of filling memory.
const MaxInputFile = 1 << 30

// checkInput reports why the file at path cannot be an input file: it
// cannot be read, or it is not a regular file (a directory; a device such
// as /dev/zero that never ends; a FIFO that blocks until something writes
// to it), or it is over MaxInputFile. It only looks (stat), so that a bad
// path never blocks.
func checkInput(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory, not a file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	case fi.Size() > MaxInputFile:
		return fmt.Errorf("%s is %d bytes, over the %d-byte limit of an input file", path, fi.Size(), MaxInputFile)
	}
	return nil
}

// OpenInput opens an input file the scenario names once checkInput
// accepts it, so that reading it always ends.
func OpenInput(path string) (*os.File, error) {
	if err := checkInput(path); err != nil {
		return nil, err
	}
	return os.Open(path)
}

// ReadInput reads a whole input file through OpenInput.
func ReadInput(path string) ([]byte, error) {
	f, err := OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxInputFile))
}
