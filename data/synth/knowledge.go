package synth

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/empirical-scaling/harness/data/internal/rng"
)

// KnowledgeVersion changes whenever the knowledge chronicle's output for a
// seed and knobs changes, so caches keyed on it are never served stale
// text.
const KnowledgeVersion = 2

// Defaults of the knowledge chronicle's knobs.
const (
	// DefaultZipf is the exponent s of the subjects' rank frequencies.
	DefaultZipf = 1.5
	// DefaultEntities is the number of people in the world: far more
	// than any CPU or single-GPU run meets often enough to learn.
	DefaultEntities = 1 << 19
)

// Knobs shape the knowledge chronicle.
type Knobs struct {
	// Zipf is the exponent s > 1 of the subjects' popularity: the person
	// of popularity rank k (1-based) is the subject of a document with
	// probability k^-s / H(K, s). It sets the scaling exponents
	// (Predicted).
	Zipf float64
	// Entities is the number of people K, at most MaxEntities.
	Entities int
}

// MaxEntities is the most people the name space (first name × surname)
// names uniquely.
var MaxEntities = len(families["name"].forms[0]) * len(surnames)

// WithDefaults fills the zero knobs.
func (k Knobs) WithDefaults() Knobs {
	if k.Zipf == 0 {
		k.Zipf = DefaultZipf
	}
	if k.Entities == 0 {
		k.Entities = DefaultEntities
	}
	return k
}

// Validate checks the knobs (after WithDefaults).
func (k Knobs) Validate() error {
	var errs []error
	if !(k.Zipf > 1 && k.Zipf <= 4) {
		errs = append(errs, fmt.Errorf("zipf exponent %v: want more than 1 (a normalisable tail) and at most 4", k.Zipf))
	}
	if k.Entities < 2 || k.Entities > MaxEntities {
		errs = append(errs, fmt.Errorf("%d entities: want 2 to %d", k.Entities, MaxEntities))
	}
	return errors.Join(errs...)
}

// String is the canonical spelling of the knobs, as ParseSource reads it.
func (k Knobs) String() string {
	return "zipf=" + strconv.FormatFloat(k.Zipf, 'g', -1, 64) + ",entities=" + strconv.Itoa(k.Entities)
}

// Exponents are the scaling exponents the quanta model predicts for a
// Zipf exponent s = α+1 (the package documentation derives them). They
// are exponents of the reducible loss L − E.
type Exponents struct {
	// Alpha is α = s − 1, the exponent in N when every model sees
	// unlimited data (capacity limited).
	Alpha float64
	// D is α/(α+1), the exponent in D when the model is large enough
	// (data limited).
	D float64
	// FixedRatioN and FixedRatioC are the exponents in N and in compute
	// C = 6ND on a grid with D proportional to N, where the data limit
	// binds: α/(α+1) and α/(2(α+1)).
	FixedRatioN, FixedRatioC float64
}

// Predicted returns the exponents the quanta model predicts for k.
func (k Knobs) Predicted() Exponents {
	a := k.WithDefaults().Zipf - 1
	return Exponents{Alpha: a, D: a / (a + 1), FixedRatioN: a / (a + 1), FixedRatioC: a / (2 * (a + 1))}
}

// World is the fixed body of knowledge the chronicle writes about: K
// people, each with a job, a home town, a pet and its name, a favourite
// food, colour, instrument and pastime, a best friend (another person),
// a morning routine and a counting stride, all a pure function of the
// world's seed. Training and validation streams share one world.
type World struct {
	seed  uint64
	knobs Knobs
	cdf   []float64 // cdf[r] = Σ_{k ≤ r+1} k^-s
	mult  uint64    // rank → entity: (rank·mult + off) mod K
	off   uint64
}

var (
	cdfMu    sync.Mutex
	cdfCache = map[Knobs][]float64{}
)

// zipfCDF returns the cumulative weights of ranks 1..K, shared by every
// world with the same knobs (read only).
func zipfCDF(k Knobs) []float64 {
	cdfMu.Lock()
	defer cdfMu.Unlock()
	if c, ok := cdfCache[k]; ok {
		return c
	}
	c := make([]float64, k.Entities)
	sum := 0.0
	for r := range c {
		sum = float64(sum + detPow(float64(r+1), -k.Zipf))
		c[r] = sum
	}
	cdfCache[k] = c
	return c
}

// NewWorld returns the world of seed with knobs k (zero knobs take their
// defaults).
func NewWorld(seed uint64, k Knobs) (*World, error) {
	k = k.WithDefaults()
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	w := &World{seed: rng.Mix(seed ^ 0x0d1ce0fa11ca75), knobs: k, cdf: zipfCDF(k)}
	n := uint64(k.Entities)
	w.mult = (rng.Mix(w.seed+1) | 1) % n
	for gcd(w.mult, n) != 1 || w.mult == 0 {
		w.mult = (w.mult + 1) % n
	}
	w.off = rng.Mix(w.seed+2) % n
	return w, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Knobs returns the world's knobs.
func (w *World) Knobs() Knobs { return w.knobs }

// rank draws a popularity rank (0-based) from the Zipf law.
func (w *World) rank(x uint64) int {
	total := w.cdf[len(w.cdf)-1]
	u := float64(float64(x>>11)*0x1p-53) * total
	r := sort.SearchFloat64s(w.cdf, u)
	if r >= len(w.cdf) {
		r = len(w.cdf) - 1
	}
	return r
}

// Entity returns the person of popularity rank r (0-based).
func (w *World) Entity(r int) int {
	return int((uint64(r)*w.mult + w.off) % uint64(w.knobs.Entities))
}

// attributes of a person, each an independent draw from the world seed.
const (
	attrJob = iota
	attrTown
	attrPet
	attrPetName
	attrFood
	attrColor
	attrInstr
	attrAct
	attrFriend
	attrRoutine1
	attrRoutine2
	attrRoutine3
	attrStride
	attrYear
)

// Birth years run from firstYear for years years.
const (
	firstYear = 1850
	years     = 150
)

func (w *World) attr(e, a int, n int) int {
	return int(rng.Below(rng.Mix(w.seed^rng.Mix(uint64(e)<<5|uint64(a))), uint64(n)))
}

// friend is e's best friend: a person drawn from the same Zipf law, so
// that famous people are everybody's friends, never e itself.
func (w *World) friend(e int) int {
	x := rng.Mix(w.seed ^ rng.Mix(uint64(e)<<5|attrFriend))
	f := w.Entity(w.rank(x))
	if f == e {
		f = w.Entity((w.rank(x) + 1) % w.knobs.Entities)
	}
	return f
}

// Name returns the full name of person e.
func (w *World) Name(e int) string {
	return string(w.appendName(nil, e, false))
}

func (w *World) appendName(dst []byte, e int, firstOnly bool) []byte {
	names := kNames
	dst = append(dst, names[e%len(names)].lo...)
	if firstOnly {
		return dst
	}
	dst = append(dst, ' ')
	return append(dst, surnames[e/len(names)]...)
}

func (w *World) female(e int) bool {
	return e%len(kNames) < numGirlNames
}

// Chronicle writes documents about the world's people from one seeded
// stream: each document's subject is drawn from the Zipf law, and what
// it says about the subject is the world's knowledge, worded at random.
type Chronicle struct {
	w   *World
	src *rng.Source
	// per document
	e, f    int
	article bool
	up      bool
}

// Stream returns a chronicle of w whose documents depend only on seed.
func (w *World) Stream(seed uint64) *Chronicle {
	return &Chronicle{w: w, src: rng.New(seed)}
}

// NewKnowledge returns the chronicle of the world of seed with knobs k,
// written from the stream of the same seed (the training stream; a
// validation stream is w.Stream of another seed).
func NewKnowledge(seed uint64, k Knobs) (*Chronicle, error) {
	w, err := NewWorld(seed, k)
	if err != nil {
		return nil, err
	}
	return w.Stream(seed), nil
}

// Subject returns the person the last document was about.
func (c *Chronicle) Subject() int { return c.e }

// AppendStory appends one document (no trailing separator) to dst. Its
// subject is drawn from the Zipf law; everything else in it is the
// world's knowledge about the subject, told in a fixed order: the full
// name first, then one sentence per group of facts referring back to the
// subject by pronoun. Nothing but the subject is drawn, so a model that
// knows the subject can predict the whole document.
func (c *Chronicle) AppendStory(dst []byte) []byte {
	c.e = c.w.Entity(c.w.rank(c.src.Uint64()))
	c.f = c.w.friend(c.e)
	for i, t := range biography {
		dst = c.sentence(dst, t, i == 0)
	}
	return dst
}

func (c *Chronicle) sentence(dst []byte, t []kseg, first bool) []byte {
	if !first {
		dst = append(dst, ' ')
	}
	for _, s := range t {
		dst = c.slot(dst, s)
	}
	return dst
}

// word appends w, preceded by the pending article.
func (c *Chronicle) word(dst []byte, w []byte) []byte {
	if c.article {
		dst = appendArticle(dst, c.up, w)
		c.article = false
	}
	return append(dst, w...)
}

func (c *Chronicle) slot(dst []byte, s kseg) []byte {
	w, e := c.w, c.e
	if s.friend {
		e = c.f
	}
	pick := func(f []word, a int) []byte {
		return f[w.attr(e, a, len(f))].lo
	}
	switch s.kind {
	case kLit:
		return c.word(dst, s.lit)
	case kArticle:
		c.article, c.up = true, s.up
		return dst
	case kName:
		if c.article {
			dst = appendArticle(dst, c.up, []byte("x"))
			c.article = false
		}
		return w.appendName(dst, e, s.firstOnly)
	case kPronoun:
		g := 0
		if w.female(e) {
			g = 1
		}
		return append(dst, pronouns[s.form][g][b2i(s.up)]...)
	case kJob:
		return c.word(dst, pick(kJobs, attrJob))
	case kTown:
		return c.word(dst, towns[w.attr(e, attrTown, len(towns))])
	case kPet:
		return c.word(dst, pick(kAnimals, attrPet))
	case kPetName:
		return c.word(dst, petNameList[w.attr(e, attrPetName, len(petNameList))])
	case kFood:
		return c.word(dst, pick(kFoods[s.form], attrFood))
	case kColor:
		return c.word(dst, colorList[w.attr(e, attrColor, len(colorList))])
	case kInstr:
		return c.word(dst, pick(kInstrs, attrInstr))
	case kAct:
		return c.word(dst, pick(kActs, attrAct))
	case kRoutine:
		return c.word(dst, routineList[w.attr(e, attrRoutine1+s.form, len(routineList))])
	case kStride:
		return c.word(dst, []byte(strideWords[2+w.attr(e, attrStride, 8)]))
	case kCount:
		st := int64(2 + w.attr(e, attrStride, 8))
		for i := int64(1); i <= 5; i++ {
			if i > 1 {
				dst = append(dst, ", "...)
			}
			dst = strconv.AppendInt(dst, i*st, 10)
		}
		return dst
	case kYear:
		return strconv.AppendInt(dst, int64(firstYear+w.attr(e, attrYear, years)), 10)
	}
	panic("synth: unknown slot") // a template bug, caught by every test run
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pronouns[form][female][capital].
var pronouns = [3][2][2][]byte{
	{{[]byte("he"), []byte("He")}, {[]byte("she"), []byte("She")}},
	{{[]byte("his"), []byte("His")}, {[]byte("her"), []byte("Her")}},
	{{[]byte("him"), []byte("Him")}, {[]byte("her"), []byte("Her")}},
}

type kkind uint8

const (
	kLit kkind = iota
	kArticle
	kName
	kPronoun
	kJob
	kTown
	kPet
	kPetName
	kFood
	kColor
	kInstr
	kAct
	kRoutine
	kStride
	kCount
	kYear
)

// kseg is one piece of a knowledge template: literal text or a slot.
type kseg struct {
	kind      kkind
	lit       []byte
	form      int
	up        bool
	friend    bool // the subject's best friend instead of the subject
	firstOnly bool
}

// kslots are the slot names a knowledge template may use; a capital
// first letter capitalises ({He}, {A}); "f" in front ({fname}, {fjob},
// {ftown}) means the subject's best friend.
var kslots = map[string]kseg{
	"a": {kind: kArticle}, "name": {kind: kName}, "first": {kind: kName, firstOnly: true},
	"he": {kind: kPronoun, form: 0}, "his": {kind: kPronoun, form: 1}, "him": {kind: kPronoun, form: 2},
	"job": {kind: kJob}, "town": {kind: kTown}, "pet": {kind: kPet}, "petname": {kind: kPetName},
	"food": {kind: kFood}, "foods": {kind: kFood, form: 1}, "color": {kind: kColor}, "instr": {kind: kInstr},
	"act": {kind: kAct}, "r1": {kind: kRoutine, form: 0}, "r2": {kind: kRoutine, form: 1}, "r3": {kind: kRoutine, form: 2},
	"stride": {kind: kStride}, "count": {kind: kCount}, "year": {kind: kYear},
}

func compileK(src string) ([]kseg, error) {
	var out []kseg
	rest := src
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			out = append(out, kseg{kind: kLit, lit: []byte(rest)})
			break
		}
		if open > 0 {
			out = append(out, kseg{kind: kLit, lit: []byte(rest[:open])})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("template %q: unclosed {", src)
		}
		name := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		var s kseg
		friend := false
		if strings.HasPrefix(name, "f") && len(name) > 1 {
			if fs, ok := kslots[strings.ToLower(name[1:2])+name[2:]]; ok && name != "first" && name != "foods" && name != "food" {
				s, friend = fs, true
			}
		}
		if !friend {
			up := name != "" && name[0] >= 'A' && name[0] <= 'Z'
			low := strings.ToLower(name[:min(1, len(name))]) + name[min(1, len(name)):]
			var ok bool
			if s, ok = kslots[low]; !ok {
				return nil, fmt.Errorf("template %q: unknown slot {%s}", src, name)
			}
			s.up = up
		}
		s.friend = friend
		if s.kind == kArticle {
			if !strings.HasPrefix(rest, " ") {
				return nil, fmt.Errorf("template %q: {a} must be followed by a space", src)
			}
			rest = rest[1:]
		}
		out = append(out, s)
	}
	return out, nil
}

func mustK(alts ...string) [][]kseg {
	out := make([][]kseg, len(alts))
	for i, a := range alts {
		t, err := compileK(a)
		if err != nil {
			panic(err) // a template bug, caught by every test run
		}
		out[i] = t
	}
	return out
}

// biography is a document: the subject's full name, then one sentence
// per group of facts, each referring back to the subject by pronoun.
var biography = mustK(
	`{Name} was born in {town} in {year}.`,
	`{He} worked as {a} {job}.`,
	`{He} had {a} {pet} called {petname}.`,
	`{He} loved {foods} and the color {color}.`,
	`{He} played the {instr} and liked to {act}.`,
	`{His} best friend was {fname}.`,
	`Every morning {he} {r1}, {r2} and then {r3}.`,
	`{He} counted by {stride}: {count}.`,
)

// The chronicle's word lists, resolved once from the lexicon.
var (
	kNames      = families["name"].forms[0]
	kJobs       = families["job"].forms[0]
	kAnimals    = families["animal"].forms[0]
	kFoods      = families["food"].forms
	kInstrs     = families["instr"].forms[0]
	kActs       = families["act"].forms[0]
	surnames    = crossList(surnamePrefixes, surnameSuffixes)
	towns       = crossBytes(townPrefixes, townSuffixes)
	petNameList = bytesList(petNames)
	routineList = bytesList(routines)
	colorList   = bytesList(`red, blue, green, yellow, pink, purple, orange, white, black, brown, gray, gold, silver, navy, teal, crimson`)
)

func crossList(a, b string) []string {
	var out []string
	for _, y := range splitList(b) {
		for _, x := range splitList(a) {
			out = append(out, x+y)
		}
	}
	return out
}

func crossBytes(a, b string) [][]byte {
	var out [][]byte
	for _, s := range crossList(a, b) {
		out = append(out, []byte(s))
	}
	return out
}

func bytesList(s string) [][]byte {
	var out [][]byte
	for _, w := range splitList(s) {
		out = append(out, []byte(w))
	}
	return out
}

// zipfMass returns the probability of the n most popular people, the
// share of documents about them (for tests and documentation).
func (w *World) zipfMass(n int) float64 {
	if n <= 0 {
		return 0
	}
	n = min(n, len(w.cdf))
	return w.cdf[n-1] / w.cdf[len(w.cdf)-1]
}
