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

// synthCorpus is the built-in story generator.
type synthCorpus struct {
	seed       uint64
	trainBytes int64
	valBytes   int64
}

// valSeedSalt separates the validation stories' stream from the training
// stories', so the two parts share no document.
const valSeedSalt = 0x5eed0f0a11da7a00

func newSynthCorpus(seed uint64, trainBytes int64) *synthCorpus {
	val := trainBytes / 20
	if val < 256<<10 {
		val = 256 << 10
	}
	return &synthCorpus{seed: seed, trainBytes: trainBytes, valBytes: val}
}

func (c *synthCorpus) label() string { return "synthetic" }

func (c *synthCorpus) identity() string {
	return fmt.Sprintf("synthetic generator v%d seed %d train %d bytes val %d bytes", synth.Version, c.seed, c.trainBytes, c.valBytes)
}

func (c *synthCorpus) describe() string {
	return fmt.Sprintf("built-in synthetic stories (seed %d, %.1f MB train, %.1f MB validation)", c.seed, float64(c.trainBytes)/1e6, float64(c.valBytes)/1e6)
}

func (c *synthCorpus) open(val bool) (docIter, io.Closer, error) {
	if val {
		return &synthDocs{gen: synth.New(rng.Mix(c.seed ^ valSeedSalt)), limit: c.valBytes}, io.NopCloser(nil), nil
	}
	return &synthDocs{gen: synth.New(c.seed), limit: c.trainBytes}, io.NopCloser(nil), nil
}

func (c *synthCorpus) sizeHint(val bool) int64 {
	if val {
		return c.valBytes
	}
	return c.trainBytes
}

// synthDocs yields stories until limit bytes of stories have been made.
type synthDocs struct {
	gen   *synth.Generator
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

// resolveCorpus turns Options.Source into a corpus, downloading or
// scanning what it needs.
func resolveCorpus(ctx context.Context, opts Options) (corpus, error) {
	switch opts.Source {
	case "synthetic":
		return newSynthCorpus(opts.Seed, opts.SyntheticBytes), nil
	case "tinystories":
		return fetchTinyStories(ctx, opts)
	case FineWebEdu:
		s, err := parseHubSource(fineWebEduSource)
		if err != nil {
			return nil, err
		}
		return fetchHub(ctx, opts, s, FineWebEdu)
	case "":
		return nil, fmt.Errorf("no data source: use tinystories, synthetic, fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a path to a .txt or .parquet file or a folder of them")
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
