package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// Source names of the built-in generators.
const (
	// SourceName selects the knowledge chronicle, the default; knobs
	// follow a colon: "synthetic:zipf=1.3,entities=65536".
	SourceName = "synthetic"
	// SourceStories selects the children's stories of the first
	// generator, so that results made on it reproduce.
	SourceStories = "synthetic-v1"
)

// Spec is a parsed built-in source: the stories, or the knowledge
// chronicle with its knobs (defaults filled in).
type Spec struct {
	Stories bool
	Knobs   Knobs
}

// String is the canonical name of s, as ParseSource reads it.
func (s Spec) String() string {
	if s.Stories {
		return SourceStories
	}
	return SourceName + ":" + s.Knobs.String()
}

// ParseSource reads a built-in source name: "synthetic-v1",
// "synthetic", or "synthetic:" and comma-separated knobs zipf=S (the
// Zipf exponent, > 1) and entities=K. ok is false when name is not a
// built-in source at all (a path, "tinystories"); err says what is wrong
// with one that is.
func ParseSource(name string) (spec Spec, ok bool, err error) {
	switch {
	case name == SourceStories:
		return Spec{Stories: true}, true, nil
	case name == SourceName:
		return Spec{Knobs: Knobs{}.WithDefaults()}, true, nil
	case !strings.HasPrefix(name, SourceName+":"):
		return Spec{}, false, nil
	}
	var k Knobs
	for _, kv := range strings.Split(strings.TrimPrefix(name, SourceName+":"), ",") {
		key, val, found := strings.Cut(strings.TrimSpace(kv), "=")
		if !found {
			return Spec{}, true, fmt.Errorf("data source %q: knob %q: want name=value (zipf=1.5, entities=524288)", name, kv)
		}
		switch key {
		case "zipf":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return Spec{}, true, fmt.Errorf("data source %q: zipf=%s: not a number", name, val)
			}
			if f == 0 {
				return Spec{}, true, fmt.Errorf("data source %q: zipf=0: want more than 1 (a normalisable tail) and at most 4", name)
			}
			k.Zipf = f
		case "entities":
			n, err := strconv.Atoi(val)
			if err != nil {
				return Spec{}, true, fmt.Errorf("data source %q: entities=%s: not an integer", name, val)
			}
			if n == 0 {
				return Spec{}, true, fmt.Errorf("data source %q: entities=0: want 2 to %d", name, MaxEntities)
			}
			k.Entities = n
		default:
			return Spec{}, true, fmt.Errorf("data source %q: unknown knob %q (want zipf or entities)", name, key)
		}
	}
	if k.Zipf == 0 && k.Entities == 0 {
		return Spec{}, true, fmt.Errorf("data source %q: no knobs after the colon", name)
	}
	k = k.WithDefaults()
	if err := k.Validate(); err != nil {
		return Spec{}, true, fmt.Errorf("data source %q: %w", name, err)
	}
	return Spec{Knobs: k}, true, nil
}
