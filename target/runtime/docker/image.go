package docker

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/go-connections/nat"
	"github.com/loadlab/loadlab/target/refapi"
	"github.com/loadlab/loadlab/target/runtime"
)

// ReferenceImage is the tag of the reference API image that Deploy builds
// when Spec.Image and Spec.BuildContext are empty.
const ReferenceImage = "loadlab/reference-api:dev"

// labelContentHash on the reference image is the SHA-256 of its Dockerfile
// and binary; an image with the same hash is reused instead of rebuilt.
const labelContentHash = "loadlab.content-sha256"

// buildTailLines is how many lines of build output a failed build reports.
const buildTailLines = 20

// image is what Deploy runs: the image reference and the container port.
type imageRef struct {
	ref       string
	port      int
	reference bool // the reference API image built from the loadlab binary
}

// resolveImage makes sure the spec's image exists in the local store,
// building it when needed, and finds the container port (containerPort).
//
// Where images come from (nothing is ever pulled):
//   - Spec.BuildContext set: that directory (with its Dockerfile and
//     .dockerignore) is built and tagged Spec.Image, or
//     loadlab/<directory name>:dev when Image is empty;
//   - Spec.Image set: it must already be in the local image store;
//   - neither: the reference image ReferenceImage is built from target's
//     embedded Dockerfile and the static loadlab binary (Spec.Binary, or
//     the running executable), unless an image with the same content hash
//     already exists.
func (r *Runtime) resolveImage(ctx context.Context, spec runtime.Spec) (imageRef, error) {
	var img imageRef
	var err error
	switch {
	case spec.BuildContext != "":
		img.ref = spec.Image
		if img.ref == "" {
			img.ref = "loadlab/" + sanitize(strings.ToLower(filepath.Base(filepath.Clean(spec.BuildContext)))) + ":dev"
		}
		err = r.buildDir(ctx, spec.BuildContext, img.ref)
	case spec.Image != "":
		img.ref = spec.Image
	default:
		img.ref, img.reference = ReferenceImage, true
		err = r.buildReference(ctx, spec.Binary)
	}
	if err != nil {
		return imageRef{}, err
	}
	inspect, err := r.cli.ImageInspect(ctx, img.ref)
	if cerrdefs.IsNotFound(err) {
		return imageRef{}, fmt.Errorf("image %q is not in the local image store, and loadlab never pulls: build it first (docker build -t %s .) or give a build context", img.ref, img.ref)
	}
	if err != nil {
		return imageRef{}, fmt.Errorf("inspect image %q: %w", img.ref, err)
	}
	var exposed map[string]struct{}
	if inspect.Config != nil {
		exposed = inspect.Config.ExposedPorts
	}
	if img.port, err = containerPort(img.ref, spec.Port, exposed); err != nil {
		return imageRef{}, err
	}
	return img, nil
}

// containerPort returns the port the API listens on inside a container of
// image: spec when it is set (> 0), else the one TCP port the image
// exposes (exposed holds its EXPOSE entries, such as "8000/tcp"). An image
// that exposes no TCP port, or several, is an error asking for
// target.port: a guess would be polled for health until the timeout.
func containerPort(image string, spec int, exposed map[string]struct{}) (int, error) {
	if spec > 0 {
		return spec, nil
	}
	var all, tcp []nat.Port
	for s := range exposed {
		p := nat.Port(s)
		all = append(all, p)
		if p.Proto() == "tcp" {
			tcp = append(tcp, p)
		}
	}
	if len(tcp) == 1 {
		if lo, hi, err := tcp[0].Range(); err == nil && lo == hi && lo > 0 {
			return lo, nil
		}
	}
	if len(tcp) == 0 {
		return 0, fmt.Errorf("image %s exposes no TCP port%s: set target.port to the port the API listens on", image, listPorts(" (", all, ")"))
	}
	return 0, fmt.Errorf("image %s exposes %s: set target.port to the one the API listens on", image, listPorts("", tcp, ""))
}

// listPorts renders ports in numeric order, "80/tcp, 443/tcp", between
// before and after; empty when there are none.
func listPorts(before string, ports []nat.Port, after string) string {
	if len(ports) == 0 {
		return ""
	}
	slices.SortFunc(ports, func(a, b nat.Port) int {
		return cmp.Or(cmp.Compare(a.Int(), b.Int()), strings.Compare(string(a), string(b)))
	})
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = string(p)
	}
	return before + strings.Join(s, ", ") + after
}

// buildReference builds ReferenceImage from the embedded Dockerfile and the
// static binary at binPath (empty: the running executable), skipping the
// build when the image already holds the same content.
func (r *Runtime) buildReference(ctx context.Context, binPath string) error {
	if binPath == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("reference image: find the running executable: %w", err)
		}
		binPath = exe
	}
	if p, err := filepath.EvalSymlinks(binPath); err == nil {
		binPath = p
	}
	if err := checkStatic(binPath); err != nil {
		return fmt.Errorf("reference image: %w", err)
	}
	dockerfile := refapi.ReferenceDockerfile
	src, err := copySource(dockerfile)
	if err != nil {
		return err
	}
	binHash, err := r.fileHash(binPath)
	if err != nil {
		return fmt.Errorf("reference image: %w", err)
	}
	sum := sha256.Sum256(append(dockerfile, binHash...))
	hash := hex.EncodeToString(sum[:])

	r.mu.Lock()
	done := r.built[hash]
	r.mu.Unlock()
	if done {
		return nil
	}
	if inspect, err := r.cli.ImageInspect(ctx, ReferenceImage); err == nil && inspect.Config != nil && inspect.Config.Labels[labelContentHash] == hash {
		r.remember(hash)
		return nil
	}
	files := []tarFile{
		{name: "Dockerfile", mode: 0o644, data: dockerfile},
		{name: src, mode: 0o755, path: binPath},
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, files)) }()
	defer pr.Close()
	if err := r.build(ctx, pr, ReferenceImage, map[string]string{labelContentHash: hash}); err != nil {
		return fmt.Errorf("build reference image from %s: %w", binPath, err)
	}
	r.remember(hash)
	return nil
}

// buildDir builds the directory dir into tag, once per process.
func (r *Runtime) buildDir(ctx context.Context, dir, tag string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	key := "dir:" + abs + "\x00" + tag
	r.mu.Lock()
	done := r.built[key]
	r.mu.Unlock()
	if done {
		return nil
	}
	if _, err := os.Stat(filepath.Join(abs, "Dockerfile")); err != nil {
		return fmt.Errorf("build context %s: need a Dockerfile there: %w", dir, err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDir(pw, abs)) }()
	defer pr.Close()
	if err := r.build(ctx, pr, tag, nil); err != nil {
		return fmt.Errorf("build %s from %s: %w", tag, dir, err)
	}
	r.remember(key)
	return nil
}

func (r *Runtime) remember(key string) {
	r.mu.Lock()
	r.built[key] = true
	r.mu.Unlock()
}

// build sends a tar build context to the engine and waits for the result;
// a failed build's error carries the last lines of its output.
func (r *Runtime) build(ctx context.Context, buildContext io.Reader, tag string, labels map[string]string) error {
	resp, err := r.cli.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
		Labels:      labels,
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readBuildOutput(resp.Body)
}

// buildMessage is one JSON message of the engine's build output stream.
type buildMessage struct {
	Stream      string `json:"stream"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

func readBuildOutput(body io.Reader) error {
	var tail []string
	dec := json.NewDecoder(bufio.NewReader(body))
	for {
		var m buildMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read build output: %w", err)
		}
		for _, line := range strings.Split(strings.TrimRight(m.Stream, "\n"), "\n") {
			if strings.TrimSpace(line) != "" {
				tail = append(tail, line)
			}
		}
		if len(tail) > buildTailLines {
			tail = tail[len(tail)-buildTailLines:]
		}
		if m.Error != "" || m.ErrorDetail != nil {
			msg := m.Error
			if msg == "" {
				msg = m.ErrorDetail.Message
			}
			return fmt.Errorf("%s\nlast build output:\n  %s", msg, strings.Join(tail, "\n  "))
		}
	}
}

// checkStatic fails unless path is an ELF executable without a dynamic
// loader, the only kind that runs in a FROM-scratch image.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable the image can run: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked and cannot run in a FROM-scratch image: build loadlab with CGO_ENABLED=0 (make build does) or point Spec.Binary at a static build", path)
		}
	}
	return nil
}

type fileKey struct {
	path  string
	size  int64
	mtime time.Time
}

// fileHash is the SHA-256 of a file, cached by path, size and mtime.
func (r *Runtime) fileHash(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	key := fileKey{path, st.Size(), st.ModTime()}
	r.mu.Lock()
	h, ok := r.hashes[key]
	r.mu.Unlock()
	if ok {
		return h, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	h = hex.EncodeToString(sum.Sum(nil)) + strconv.FormatInt(st.Size(), 10)
	r.mu.Lock()
	r.hashes[key] = h
	r.mu.Unlock()
	return h, nil
}

// Image is an image ready to run on this engine: its reference in the
// local image store, the TCP port its API listens on inside a container,
// and whether it is the reference API image built from the loadlab binary.
type Image struct {
	Ref       string
	Port      int
	Reference bool
}

// ResolveImage makes sure the spec's image is in this engine's local
// store, building it when the spec asks for a build or the reference API
// (see resolveImage), and finds its container port. The swarm runtime
// resolves its images through it: a build happens on this engine only.
func (r *Runtime) ResolveImage(ctx context.Context, spec runtime.Spec) (Image, error) {
	img, err := r.resolveImage(ctx, spec)
	if err != nil {
		return Image{}, err
	}
	return Image{Ref: img.ref, Port: img.port, Reference: img.reference}, nil
}
