package docker

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// tarFile is one regular file of an in-memory build context.
type tarFile struct {
	name string // slash-separated path inside the context
	mode int64
	data []byte // used when path is empty
	path string // file on disk to stream, when set
}

// writeTar writes files as a tar archive to w, streaming files from disk.
func writeTar(w io.Writer, files []tarFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if err := addTarFile(tw, f); err != nil {
			return fmt.Errorf("build context: add %s: %w", f.name, err)
		}
	}
	return tw.Close()
}

func addTarFile(tw *tar.Writer, f tarFile) error {
	if f.path == "" {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(f.data)
		return err
	}
	src, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: st.Size(), Typeflag: tar.TypeReg, ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, bufio.NewReaderSize(src, 1<<20))
	return err
}

// tarDir writes the directory dir as a Docker build context to w, leaving
// out what its .dockerignore excludes (Docker's own pattern semantics; the
// Dockerfile and .dockerignore are always sent).
func tarDir(w io.Writer, dir string) error {
	pm, err := readDockerignore(dir)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if pm != nil && rel != "Dockerfile" && rel != ".dockerignore" {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return fmt.Errorf(".dockerignore: %w", err)
			}
			if skip {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		} else if !info.Mode().IsRegular() && !info.IsDir() {
			return nil // sockets, devices, fifos: never part of a context
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	return tw.Close()
}

func readDockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("build context: read %s: %w", f.Name(), err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("build context: %s: %w", f.Name(), err)
	}
	return pm, nil
}

// copySource returns the source path of the Dockerfile's single COPY
// instruction: the reference Dockerfile copies the static binary, and the
// in-memory context puts the binary at exactly that path.
func copySource(dockerfile []byte) (string, error) {
	var found []string
	for _, line := range strings.Split(string(dockerfile), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.EqualFold(fields[0], "COPY") {
			continue
		}
		args := fields[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:]
		}
		if len(args) > 0 && strings.HasPrefix(args[0], "[") {
			joined := strings.Trim(strings.Join(args, " "), "[]")
			args = nil
			for _, a := range strings.Split(joined, ",") {
				args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
			}
		}
		if len(args) != 2 {
			return "", fmt.Errorf("reference Dockerfile: COPY %q: want exactly one source and one destination", strings.Join(fields[1:], " "))
		}
		found = append(found, args[0])
	}
	if len(found) != 1 {
		return "", fmt.Errorf("reference Dockerfile: want exactly one COPY of the loadlab binary, found %d", len(found))
	}
	src := strings.TrimPrefix(strings.TrimPrefix(found[0], "./"), "/")
	if src == "" || strings.Contains(src, "..") || strings.ContainsAny(src, "*?[") {
		return "", fmt.Errorf("reference Dockerfile: COPY source %q must be a plain file path", found[0])
	}
	return src, nil
}
