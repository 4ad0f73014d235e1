package synth

import (
	"strings"
)

// word is one surface form, lower-case as written and with a capital
// first letter, both ready to append.
type word struct {
	lo, up []byte
}

func newWord(s string) word {
	up := []byte(s)
	if len(up) > 0 && up[0] >= 'a' && up[0] <= 'z' {
		up[0] -= 'a' - 'A'
	}
	return word{lo: []byte(s), up: up}
}

// family is a category of words with aligned forms: forms[f][i] is form f
// of entry i (nouns: singular, plural; verbs: base, past, -ing).
type family struct {
	forms [][]word
}

func (f *family) size() int { return len(f.forms[0]) }

// Form names a template may ask for after a dot, e.g. {~animal.pl}.
var formIndex = map[string]int{"": 0, "pl": 1, "past": 1, "ing": 2}

// splitList splits a comma separated list, trimming space and newlines.
func splitList(s string) []string {
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// plainFamily has one form per entry (names, phrases, adjectives).
func plainFamily(list string) *family {
	items := splitList(list)
	ws := make([]word, len(items))
	for i, it := range items {
		ws[i] = newWord(it)
	}
	return &family{forms: [][]word{ws}}
}

// nounFamily has singular and plural forms; "goose/geese" gives an
// irregular plural, otherwise the last word of the phrase is pluralised.
func nounFamily(list string) *family {
	items := splitList(list)
	sing := make([]word, len(items))
	plur := make([]word, len(items))
	for i, it := range items {
		s, p, ok := strings.Cut(it, "/")
		if !ok {
			p = pluralize(s)
		}
		sing[i], plur[i] = newWord(s), newWord(p)
	}
	return &family{forms: [][]word{sing, plur}}
}

// verbFamily has base, past and -ing forms of the first word of each
// phrase; "run/ran/running" gives irregular forms.
func verbFamily(list string) *family {
	items := splitList(list)
	forms := [][]word{make([]word, len(items)), make([]word, len(items)), make([]word, len(items))}
	for i, it := range items {
		head, rest, _ := strings.Cut(it, " ")
		if rest != "" {
			rest = " " + rest
		}
		parts := strings.Split(head, "/")
		base := parts[0]
		past, ing := pastTense(base), gerund(base)
		if len(parts) == 3 {
			past, ing = parts[1], parts[2]
		}
		forms[0][i] = newWord(base + rest)
		forms[1][i] = newWord(past + rest)
		forms[2][i] = newWord(ing + rest)
	}
	return &family{forms: forms}
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

func pluralize(s string) string {
	n := len(s)
	switch {
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case n > 1 && s[n-1] == 'y' && !isVowel(s[n-2]):
		return s[:n-1] + "ies"
	default:
		return s + "s"
	}
}

func pastTense(s string) string {
	n := len(s)
	switch {
	case strings.HasSuffix(s, "e"):
		return s + "d"
	case n > 1 && s[n-1] == 'y' && !isVowel(s[n-2]):
		return s[:n-1] + "ied"
	default:
		return s + "ed"
	}
}

func gerund(s string) string {
	n := len(s)
	if n > 2 && s[n-1] == 'e' && s[n-2] != 'e' {
		return s[:n-1] + "ing"
	}
	return s + "ing"
}

// genderedFamily is a pronoun family: entry 0 for girls, 1 for boys.
func genderedFamily(girl, boy string) *family {
	return &family{forms: [][]word{{newWord(girl), newWord(boy)}}}
}

// families is the whole lexicon by category name.
var families = map[string]*family{
	"name":      plainFamily(girlNames + "," + boyNames),
	"kind":      nounFamily(heroKinds),
	"animal":    nounFamily(animals),
	"toy":       nounFamily(toys),
	"food":      nounFamily(foods),
	"place":     plainFamily(places),
	"nature":    nounFamily(nature),
	"furniture": nounFamily(furniture),
	"clothes":   plainFamily(clothes),
	"vehicle":   nounFamily(vehicles),
	"body":      plainFamily(bodyParts),
	"family":    nounFamily(familyMembers),
	"job":       nounFamily(jobs),
	"color":     plainFamily(colors),
	"adj":       plainFamily(adjectives),
	"hadj":      plainFamily(heroAdjectives),
	"trait":     plainFamily(traits),
	"happy":     plainFamily(happyFeelings),
	"sad":       plainFamily(sadFeelings),
	"adv":       plainFamily(adverbs),
	"daytime":   plainFamily(daytimes),
	"weather":   plainFamily(weathers),
	"noise":     nounFamily(noises),
	"home":      plainFamily(homes),
	"spot":      plainFamily(spots),
	"move":      verbFamily(moveVerbs),
	"act":       verbFamily(activities),
	"hand":      verbFamily(handVerbs),
	"say":       plainFamily(sayVerbs),
	"look":      verbFamily(lookVerbs),
	"feel":      verbFamily(feelVerbs),
	"moral":     plainFamily(morals),
	"skill":     plainFamily(skills),
	"sport":     plainFamily(sports),
	"instr":     nounFamily(instruments),
	"shape":     plainFamily(shapes),
	"number":    plainFamily(numbers),
	"sweet":     plainFamily(sweets),
	"inside":    plainFamily(insideThings),
	"he":        genderedFamily("she", "he"),
	"him":       genderedFamily("her", "him"),
	"his":       genderedFamily("her", "his"),
	"self":      genderedFamily("herself", "himself"),
}

// numGirlNames splits the "name" family: entries below it are girls.
var numGirlNames = len(splitList(girlNames))
