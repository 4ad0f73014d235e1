package data

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/empirical-scaling/harness/data/internal/rng"
	"github.com/empirical-scaling/harness/data/synth"
)

// corpus is a resolved source: its identity for the cache key and the
// document streams of its training and validation parts.
type corpus interface {
	// label names the source in the cache folder name.
	label() string
	// identity describes the content exactly: equal identities mean equal
	// text. It is part of the cache key.
	identity() string
	// describe is one line for people.
	describe() string
	// open returns the documents of the training (val=false) or
	// validation part.
	open(val bool) (docIter, io.Closer, error)
	// sizeHint is the approximate byte size of a part, for progress bars
	// (-1: unknown).
	sizeHint(val bool) int64
}

// synthCorpus is a built-in generator: the knowledge chronicle (the
// default) or the first generator's children's stories.
type synthCorpus struct {
	spec       synth.Spec
	seed       uint64
	trainBytes int64
	valBytes   int64
}

// valSeedSalt separates the validation documents' stream from the
// training documents', so the two parts share no document. (The
// chronicle's world, what its documents say, is shared: validation
// measures what was learnt about it.)
const valSeedSalt = 0x5eed0f0a11da7a00

func newSynthCorpus(spec synth.Spec, seed uint64, trainBytes int64) *synthCorpus {
	val := trainBytes / 20
	if val < 256<<10 {
		val = 256 << 10
	}
	return &synthCorpus{spec: spec, seed: seed, trainBytes: trainBytes, valBytes: val}
}

func (c *synthCorpus) label() string { return "synthetic" }

func (c *synthCorpus) identity() string {
	if c.spec.Stories {
		// Unchanged from before the chronicle, so older caches stay valid.
		return fmt.Sprintf("synthetic generator v%d seed %d train %d bytes val %d bytes", synth.Version, c.seed, c.trainBytes, c.valBytes)
	}
	return fmt.Sprintf("synthetic knowledge chronicle v%d %s seed %d train %d bytes val %d bytes", synth.KnowledgeVersion, c.spec.Knobs, c.seed, c.trainBytes, c.valBytes)
}

func (c *synthCorpus) describe() string {
	what := "built-in synthetic stories (v1)"
	if !c.spec.Stories {
		what = fmt.Sprintf("built-in knowledge chronicle (Zipf exponent %g over %d people)", c.spec.Knobs.Zipf, c.spec.Knobs.Entities)
	}
	return fmt.Sprintf("%s, seed %d, %.1f MB train, %.1f MB validation", what, c.seed, float64(c.trainBytes)/1e6, float64(c.valBytes)/1e6)
}

func (c *synthCorpus) open(val bool) (docIter, io.Closer, error) {
	stream, limit := c.seed, c.trainBytes
	if val {
		stream, limit = rng.Mix(c.seed^valSeedSalt), c.valBytes
	}
	if c.spec.Stories {
		return &synthDocs{gen: synth.New(stream), limit: limit}, io.NopCloser(nil), nil
	}
	w, err := synth.NewWorld(c.seed, c.spec.Knobs)
	if err != nil {
		return nil, nil, err
	}
	return &synthDocs{gen: w.Stream(stream), limit: limit}, io.NopCloser(nil), nil
}

func (c *synthCorpus) sizeHint(val bool) int64 {
	if val {
		return c.valBytes
	}
	return c.trainBytes
}

// synthDocs yields documents until limit bytes of them have been made.
type synthDocs struct {
	gen interface {
		AppendStory(dst []byte) []byte
	}
	limit int64
	n     int64
	buf   []byte
}

func (s *synthDocs) next() ([]byte, error) {
	if s.n >= s.limit {
		return nil, io.EOF
	}
	s.buf = s.gen.AppendStory(s.buf[:0])
	s.n += int64(len(s.buf))
	return s.buf, nil
}

// IsSynthetic reports whether source names a built-in generator:
// "synthetic" (the knowledge chronicle), "synthetic:zipf=S,entities=K"
// (the chronicle with other knobs) or "synthetic-v1" (the first
// generator's stories). err says what is wrong with the knobs of one
// that does.
func IsSynthetic(source string) (bool, error) {
	_, ok, err := synth.ParseSource(source)
	return ok, err
}

// resolveCorpus turns Options.Source into a corpus, downloading or
// scanning what it needs.
func resolveCorpus(ctx context.Context, opts Options) (corpus, error) {
	if spec, ok, err := synth.ParseSource(opts.Source); ok {
		if err != nil {
			return nil, err
		}
		return newSynthCorpus(spec, opts.Seed, opts.SyntheticBytes), nil
	}
	switch opts.Source {
	case "tinystories":
		return fetchTinyStories(ctx, opts)
	case FineWebEdu:
		s, err := parseHubSource(fineWebEduSource)
		if err != nil {
			return nil, err
		}
		return fetchHub(ctx, opts, s, FineWebEdu)
	case "":
		return nil, fmt.Errorf("no data source: use tinystories, synthetic (synthetic:zipf=S, synthetic-v1), fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a path to a .txt or .parquet file or a folder of them")
	}
	if strings.HasPrefix(opts.Source, HubPrefix) {
		s, err := parseHubSource(opts.Source)
		if err != nil {
			return nil, err
		}
		return fetchHub(ctx, opts, s, hubLabel(s))
	}
	return scanLocal(ctx, opts.Source, opts.TextColumn)
}
