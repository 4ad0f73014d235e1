package cuda

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/empirical-scaling/harness/kernels/ptx"
)

// hashPrefix starts the first line of every generated PTX file.
const hashPrefix = "// source-sha256: "

// ptxModule is one embedded PTX file.
type ptxModule struct {
	name    string   // file name without .ptx, e.g. "gelu" or "gelu.sm90"
	source  string   // the .cu it came from, e.g. "gelu"
	hash    string   // the source hash from its first line
	entries []string // kernel names (.entry) it defines
	image   []byte   // the PTX, NUL-terminated for cuModuleLoadData
}

// ptxIndex maps kernel names to the modules that define them.
type ptxIndex struct {
	modules map[string]*ptxModule
	entry   map[string]string // kernel → module name (compute_80 build)
	entry90 map[string]string // kernel → module name (sm90 variant)
}

var entryRE = regexp.MustCompile(`^\s*(?:\.visible\s+)?\.entry\s+([A-Za-z_$][A-Za-z0-9_$]*)`)

// parsePTX reads the source hash and the entry names of one PTX file.
func parsePTX(name string, data []byte) (*ptxModule, error) {
	m := &ptxModule{name: name, source: strings.TrimSuffix(name, ".sm90")}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			if !strings.HasPrefix(line, hashPrefix) {
				return nil, fmt.Errorf("cuda: %s.ptx: first line is not %q…; run make kernels", name, hashPrefix)
			}
			m.hash = strings.TrimSpace(strings.TrimPrefix(line, hashPrefix))
			continue
		}
		if g := entryRE.FindStringSubmatch(line); g != nil {
			m.entries = append(m.entries, g[1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cuda: read %s.ptx: %w", name, err)
	}
	if first {
		return nil, fmt.Errorf("cuda: %s.ptx is empty; run make kernels", name)
	}
	m.image = append(append(make([]byte, 0, len(data)+1), data...), 0)
	return m, nil
}

// loadIndex parses every PTX file of fsys.
func loadIndex(fsys fs.FS) (*ptxIndex, error) {
	files, err := fs.Glob(fsys, "*.ptx")
	if err != nil {
		return nil, fmt.Errorf("cuda: list embedded PTX: %w", err)
	}
	sort.Strings(files)
	ix := &ptxIndex{modules: map[string]*ptxModule{}, entry: map[string]string{}, entry90: map[string]string{}}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("cuda: read embedded %s: %w", f, err)
		}
		m, err := parsePTX(strings.TrimSuffix(path.Base(f), ".ptx"), data)
		if err != nil {
			return nil, err
		}
		ix.modules[m.name] = m
		target := ix.entry
		if m.name != m.source {
			target = ix.entry90
		}
		for _, e := range m.entries {
			if prev, dup := target[e]; dup {
				return nil, fmt.Errorf("cuda: kernel %s is defined in both %s.ptx and %s.ptx", e, prev, m.name)
			}
			target[e] = m.name
		}
	}
	return ix, nil
}

// moduleFor names the module holding kernel name, preferring the sm90
// variant on a compute capability 9.x device.
func (ix *ptxIndex) moduleFor(name string, hopper bool) (string, bool) {
	if hopper {
		if m, ok := ix.entry90[name]; ok {
			return m, true
		}
	}
	m, ok := ix.entry[name]
	return m, ok
}

// embeddedIndex parses the PTX compiled into the binary.
func embeddedIndex() (*ptxIndex, error) { return loadIndex(ptx.FS) }
