package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// A template is a sentence with slots:
//
//	{hero}          a story variable, fixed for the whole story
//	{obj.pl}        a form of a story variable (pl, past, ing)
//	{~adj}          a fresh random word of a category, for every use
//	{~move.past}    a form of a fresh word
//	{a}             "a" or "an", whichever the next word needs
//
// A capital first letter ({Hero}, {He}, {~Adj}, {A}) capitalises the word.

type segKind uint8

const (
	segLit segKind = iota
	segVar
	segFresh
	segArticle
)

type seg struct {
	kind segKind
	up   bool
	idx  int // variable index or family
	form int
	fam  *family
	lit  []byte
}

type tmpl []seg

// storyVars are the variables bound once per story, with their category.
var storyVars = []struct{ name, fam string }{
	{"hero", "name"}, {"hkind", "kind"}, {"he", "he"}, {"him", "him"}, {"his", "his"}, {"self", "self"},
	{"friend", "name"}, {"fkind", "kind"}, {"fhe", "he"}, {"fhim", "him"}, {"fhis", "his"}, {"fself", "self"},
	{"parent", "family"}, {"obj", "toy"}, {"ocolor", "color"}, {"oadj", "adj"}, {"place", "place"},
	{"home", "home"}, {"food", "food"}, {"act", "act"}, {"fact", "act"}, {"skill", "skill"}, {"spot", "spot"},
	{"helper", "animal"}, {"moral", "moral"}, {"pet", "animal"}, {"inside", "inside"}, {"sport", "sport"},
	{"instr", "instr"}, {"trait", "trait"}, {"ftrait", "trait"}, {"job", "job"}, {"vehicle", "vehicle"},
}

var varIndex = func() map[string]int {
	m := make(map[string]int, len(storyVars))
	for i, v := range storyVars {
		m[v.name] = i
	}
	return m
}()

// compile parses one template; errors name the template.
func compile(src string) (tmpl, error) {
	var out tmpl
	rest := src
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			out = append(out, seg{kind: segLit, lit: []byte(rest)})
			break
		}
		if open > 0 {
			out = append(out, seg{kind: segLit, lit: []byte(rest[:open])})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("template %q: unclosed {", src)
		}
		name := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		s, err := parseSlot(name)
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", src, err)
		}
		if s.kind == segArticle {
			if !strings.HasPrefix(rest, " ") {
				return nil, fmt.Errorf("template %q: {a} must be followed by a space", src)
			}
			rest = rest[1:]
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSlot(name string) (seg, error) {
	if name == "" {
		return seg{}, fmt.Errorf("empty slot")
	}
	fresh := name[0] == '~'
	if fresh {
		name = name[1:]
	}
	if name == "" {
		return seg{}, fmt.Errorf("empty slot")
	}
	up := name[0] >= 'A' && name[0] <= 'Z'
	name = strings.ToLower(name[:1]) + name[1:]
	if name == "a" && !fresh {
		return seg{kind: segArticle, up: up}, nil
	}
	base, formName, _ := strings.Cut(name, ".")
	form, ok := formIndex[formName]
	if !ok {
		return seg{}, fmt.Errorf("unknown form %q", formName)
	}
	if fresh {
		f, ok := families[base]
		if !ok {
			return seg{}, fmt.Errorf("unknown category %q", base)
		}
		if form >= len(f.forms) {
			return seg{}, fmt.Errorf("category %q has no form %q", base, formName)
		}
		return seg{kind: segFresh, up: up, fam: f, form: form}, nil
	}
	vi, ok := varIndex[base]
	if !ok {
		return seg{}, fmt.Errorf("unknown story variable %q", base)
	}
	f := families[storyVars[vi].fam]
	if form >= len(f.forms) {
		return seg{}, fmt.Errorf("variable %q has no form %q", base, formName)
	}
	return seg{kind: segVar, up: up, idx: vi, fam: f, form: form}, nil
}

// step is one sentence slot of a plot: one of alts, present with
// probability prob percent. para starts a new paragraph instead.
type step struct {
	alts []tmpl
	prob int
	para bool
	fill int // up to fill filler sentences
}

// compilePlot parses plot lines. A line is alternatives separated by
// " | "; "?N " in front makes it appear N% of the time; "PARA" breaks the
// paragraph; "FILL N" inserts 0..N descriptive sentences.
func compilePlot(lines []string) ([]step, error) {
	steps := make([]step, 0, len(lines))
	for _, line := range lines {
		line = strings.TrimSpace(line)
		st := step{prob: 100}
		switch {
		case line == "PARA":
			st.para = true
			steps = append(steps, st)
			continue
		case strings.HasPrefix(line, "FILL "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "FILL "))
			if err != nil {
				return nil, fmt.Errorf("plot line %q: %w", line, err)
			}
			st.fill = n
			steps = append(steps, st)
			continue
		case strings.HasPrefix(line, "?"):
			num, rest, ok := strings.Cut(line[1:], " ")
			p, err := strconv.Atoi(num)
			if !ok || err != nil || p < 0 || p > 100 {
				return nil, fmt.Errorf("plot line %q: bad probability", line)
			}
			st.prob, line = p, rest
		}
		for _, alt := range strings.Split(line, " | ") {
			t, err := compile(strings.TrimSpace(alt))
			if err != nil {
				return nil, err
			}
			st.alts = append(st.alts, t)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func mustPlot(lines ...string) []step {
	s, err := compilePlot(lines)
	if err != nil {
		panic(err) // a template bug, caught by every test run
	}
	return s
}

func mustTemplates(lines ...string) []tmpl {
	out := make([]tmpl, len(lines))
	for i, l := range lines {
		t, err := compile(l)
		if err != nil {
			panic(err) // a template bug, caught by every test run
		}
		out[i] = t
	}
	return out
}
