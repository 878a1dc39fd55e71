package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
)

// CopyImageTo makes dst's engine hold the image r's engine holds under
// ref (a tag or ID): when dst has no image ref, or one with another ID
// (an older build of the same tag), the image is saved from r's engine
// and loaded into dst's, as `docker save ref | docker -H dst load` does.
// It reports whether it copied. Nothing is pulled: this is how a swarm
// node loadlab reaches gets the image the manager built.
func (r *Runtime) CopyImageTo(ctx context.Context, ref string, dst *Runtime) (bool, error) {
	src, err := r.cli.ImageInspect(ctx, ref)
	if err != nil {
		return false, unavailable(fmt.Errorf("inspect image %q: %w", ref, err))
	}
	have, err := dst.cli.ImageInspect(ctx, ref)
	switch {
	case err == nil && have.ID == src.ID:
		return false, nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return false, unavailable(fmt.Errorf("inspect image %q on %s: %w", ref, dst.cli.DaemonHost(), err))
	}
	saved, err := r.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return false, unavailable(fmt.Errorf("save image %q: %w", ref, err))
	}
	defer saved.Close()
	resp, err := dst.cli.ImageLoad(ctx, saved, client.ImageLoadWithQuiet(true))
	if err != nil {
		return false, unavailable(fmt.Errorf("load image %q into %s: %w", ref, dst.cli.DaemonHost(), err))
	}
	defer resp.Body.Close()
	if err := readBuildOutput(resp.Body); err != nil {
		return false, fmt.Errorf("load image %q into %s: %w", ref, dst.cli.DaemonHost(), err)
	}
	got, err := dst.cli.ImageInspect(ctx, ref)
	if err != nil {
		return false, unavailable(fmt.Errorf("inspect image %q on %s after loading it: %w", ref, dst.cli.DaemonHost(), err))
	}
	if got.ID != src.ID {
		return false, fmt.Errorf("image %q on %s is %.19s after loading %.19s into it", ref, dst.cli.DaemonHost(), got.ID, src.ID)
	}
	return true, nil
}
