package synth

import (
	"io"

	"github.com/empirical-scaling/harness/data/internal/rng"
)

// Version changes whenever the stories generator's output for a seed
// changes, so caches keyed on it are never served stale text.
const Version = 2

// Separator is the document separator the data pipeline puts between
// stories.
const Separator = "<|endoftext|>"

// Generator writes the first generator's children's stories (the
// "synthetic-v1" source) from one seeded stream.
type Generator struct {
	src  *rng.Source
	vars []int // per story variable: index into its family
	// first is true before the first sentence of a paragraph.
	first bool
}

var (
	kindFam         = families["kind"]
	kindGirl        = indexOf(kindFam, "girl")
	kindBoy         = indexOf(kindFam, "boy")
	genderedVarsOf  = [2][]int{{varIndex["he"], varIndex["him"], varIndex["his"], varIndex["self"]}, {varIndex["fhe"], varIndex["fhim"], varIndex["fhis"], varIndex["fself"]}}
	varFamilies     = resolveVarFamilies()
	nameVar, kindVs = [2]int{varIndex["hero"], varIndex["friend"]}, [2]int{varIndex["hkind"], varIndex["fkind"]}
)

func indexOf(f *family, s string) int {
	for i, w := range f.forms[0] {
		if string(w.lo) == s {
			return i
		}
	}
	panic("synth: lexicon lacks " + s) // a lexicon bug, caught by every test run
}

func resolveVarFamilies() []*family {
	out := make([]*family, len(storyVars))
	for i, v := range storyVars {
		out[i] = families[v.fam]
	}
	return out
}

// New returns a generator whose stories depend only on seed.
func New(seed uint64) *Generator {
	return &Generator{src: rng.New(seed), vars: make([]int, len(storyVars))}
}

// AppendStory appends one story (no trailing separator) to dst.
func (g *Generator) AppendStory(dst []byte) []byte {
	g.bind()
	g.first = true
	dst = g.runPlot(dst, intros[g.src.Intn(len(intros))])
	dst = g.paragraph(dst)
	dst = g.runPlot(dst, plots[g.src.Intn(len(plots))])
	dst = g.paragraph(dst)
	dst = g.runPlot(dst, endings[g.src.Intn(len(endings))])
	return dst
}

// bind draws the story variables: two different named characters whose
// pronouns match their names, and everything else at random.
func (g *Generator) bind() {
	for i, f := range varFamilies {
		g.vars[i] = g.src.Intn(f.size())
	}
	for g.vars[nameVar[1]] == g.vars[nameVar[0]] {
		g.vars[nameVar[1]] = g.src.Intn(varFamilies[nameVar[1]].size())
	}
	for c := 0; c < 2; c++ {
		gender := 0
		if g.vars[nameVar[c]] >= numGirlNames {
			gender = 1
		}
		for _, v := range genderedVarsOf[c] {
			g.vars[v] = gender
		}
		k := &g.vars[kindVs[c]]
		if *k == kindGirl || *k == kindBoy {
			*k = [2]int{kindGirl, kindBoy}[gender]
		}
	}
}

func (g *Generator) paragraph(dst []byte) []byte {
	if !g.first {
		dst = append(dst, '\n', '\n')
		g.first = true
	}
	return dst
}

func (g *Generator) runPlot(dst []byte, steps []step) []byte {
	for i := range steps {
		st := &steps[i]
		switch {
		case st.para:
			dst = g.paragraph(dst)
		case st.fill > 0:
			for n := g.src.Intn(st.fill + 1); n > 0; n-- {
				dst = g.sentence(dst, fillers[g.src.Intn(len(fillers))])
			}
		default:
			if st.prob < 100 && g.src.Intn(100) >= st.prob {
				continue
			}
			dst = g.sentence(dst, st.alts[g.src.Intn(len(st.alts))])
		}
	}
	return dst
}

func (g *Generator) sentence(dst []byte, t tmpl) []byte {
	if !g.first {
		dst = append(dst, ' ')
	}
	g.first = false
	article, articleUp := false, false
	for i := range t {
		s := &t[i]
		var w []byte
		switch s.kind {
		case segLit:
			w = s.lit
		case segArticle:
			article, articleUp = true, s.up
			continue
		case segVar:
			ww := &s.fam.forms[s.form][g.vars[s.idx]]
			w = ww.lo
			if s.up {
				w = ww.up
			}
		case segFresh:
			f := s.fam.forms[s.form]
			ww := &f[g.src.Intn(len(f))]
			w = ww.lo
			if s.up {
				w = ww.up
			}
		}
		if article {
			dst = appendArticle(dst, articleUp, w)
			article = false
		}
		dst = append(dst, w...)
	}
	return dst
}

func appendArticle(dst []byte, up bool, next []byte) []byte {
	an := len(next) > 0 && isVowel(next[0]|0x20)
	switch {
	case an && up:
		return append(dst, "An "...)
	case an:
		return append(dst, "an "...)
	case up:
		return append(dst, "A "...)
	default:
		return append(dst, "a "...)
	}
}

// Reader streams stories joined by Separator.
type Reader struct {
	gen   *Generator
	limit int64 // stop after the story that reaches limit; <= 0: never
	n     int64
	buf   []byte
	off   int
	done  bool
}

// NewReader returns a reader of stories from seed, joined by Separator.
// It ends after the first story that brings the total to at least limit
// bytes, so documents are never cut; limit <= 0 means unlimited.
func NewReader(seed uint64, limit int64) *Reader {
	return &Reader{gen: New(seed), limit: limit, buf: make([]byte, 0, 64<<10)}
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		if r.done {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// fill generates about 32 KiB of stories into the buffer.
func (r *Reader) fill() {
	r.buf, r.off = r.buf[:0], 0
	for len(r.buf) < 32<<10 && !r.done {
		before := len(r.buf)
		if r.n > 0 {
			r.buf = append(r.buf, Separator...)
		}
		r.buf = r.gen.AppendStory(r.buf)
		r.n += int64(len(r.buf) - before)
		if r.limit > 0 && r.n >= r.limit {
			r.done = true
		}
	}
}
