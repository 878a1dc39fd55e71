package docker

import "testing"

func TestContainerPort(t *testing.T) {
	set := func(ports ...string) map[string]struct{} {
		m := map[string]struct{}{}
		for _, p := range ports {
			m[p] = struct{}{}
		}
		return m
	}
	for _, c := range []struct {
		name    string
		spec    int
		exposed map[string]struct{}
		want    int
		err     string
	}{
		{"spec wins", 9000, set("8000/tcp"), 9000, ""},
		{"spec without exposed ports", 9000, nil, 9000, ""},
		{"the one exposed port", 0, set("8000/tcp"), 8000, ""},
		{"udp is not the API", 0, set("53/udp", "8080/tcp"), 8080, ""},
		{"no protocol means tcp", 0, set("8000"), 8000, ""},
		{"nothing exposed", 0, nil, 0, "image img exposes no TCP port: set target.port to the port the API listens on"},
		{"only udp", 0, set("53/udp", "123/udp"), 0, "image img exposes no TCP port (53/udp, 123/udp): set target.port to the port the API listens on"},
		{"several", 0, set("443/tcp", "80/tcp"), 0, "image img exposes 80/tcp, 443/tcp: set target.port to the one the API listens on"},
		{"a range", 0, set("8000-8001/tcp"), 0, "image img exposes 8000-8001/tcp: set target.port to the one the API listens on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := containerPort("img", c.spec, c.exposed)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("containerPort = %d, %v; want error %q", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("containerPort = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}
