package data

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/empirical-scaling/harness/data/download"
	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// HubPrefix starts a data source that names a Hugging Face dataset:
// "hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION]".
const HubPrefix = "hf:"

// FineWebEdu is the source name of the fixed FineWeb-Edu sample.
const FineWebEdu = "fineweb-edu"

// fineWebEduSource is what FineWebEdu stands for: the first two of the
// fourteen Parquet files of FineWeb-Edu's "sample-10BT" configuration
// (sample/10BT/000_00000.parquet ... 013_00000.parquet, about 10B GPT-2
// tokens in all), so about 1.4B GPT-2 tokens of educational web text in
// about 4 GB, enough for a GPU sweep up to ~70M parameters at 20 tokens
// per parameter without repeating a document.
const fineWebEduSource = "hf:HuggingFaceFW/fineweb-edu:sample/10BT/00[01]_00000.parquet@main"

// hubSource is a parsed "hf:" source.
type hubSource struct {
	owner, name string
	pattern     string // "" = every text and Parquet file
	revision    string
}

var hubNamePart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// parseHubSource reads "hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION]".
func parseHubSource(src string) (hubSource, error) {
	rest, ok := strings.CutPrefix(src, HubPrefix)
	if !ok {
		return hubSource{}, fmt.Errorf("data source %q does not start with %s", src, HubPrefix)
	}
	s := hubSource{revision: "main"}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		s.revision, rest = rest[i+1:], rest[:i]
		if s.revision == "" {
			return hubSource{}, fmt.Errorf("data source %q: empty revision after @", src)
		}
	}
	repo, pattern, _ := strings.Cut(rest, ":")
	s.pattern = strings.Trim(pattern, "/")
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || !hubNamePart.MatchString(owner) || !hubNamePart.MatchString(name) {
		return hubSource{}, fmt.Errorf("data source %q: want hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], e.g. hf:HuggingFaceFW/fineweb-edu:sample/10BT/*.parquet", src)
	}
	s.owner, s.name = owner, name
	if _, err := path.Match(s.pattern, ""); err != nil {
		return hubSource{}, fmt.Errorf("data source %q: bad glob %q: %w", src, s.pattern, err)
	}
	return s, nil
}

func (s hubSource) repo() string { return s.owner + "/" + s.name }

func (s hubSource) String() string {
	out := HubPrefix + s.repo()
	if s.pattern != "" {
		out += ":" + s.pattern
	}
	return out + "@" + s.revision
}

// listRoot is the folder to list: the path before the first segment with
// a glob character, or the parent of a plain path (which may name a file
// or a folder).
func (s hubSource) listRoot() string {
	segs := strings.Split(s.pattern, "/")
	for i, seg := range segs {
		if strings.ContainsAny(seg, `*?[\`) {
			return strings.Join(segs[:i], "/")
		}
	}
	return path.Dir(s.pattern)
}

// selects reports whether the file at p is one the source names: the
// pattern matches it, or it lies in the folder the pattern names.
func (s hubSource) selects(p string) bool {
	if s.pattern == "" {
		return true
	}
	if ok, _ := path.Match(s.pattern, p); ok {
		return true
	}
	return strings.HasPrefix(p, s.pattern+"/")
}

// hubFile is one entry of the Hub's tree listing,
//
//	GET {endpoint}/api/datasets/{owner}/{name}/tree/{revision}/{path}?recursive=true
//
// (revision path-escaped, "/" too, as huggingface_hub's list_repo_tree
// does), which answers a JSON array of
//
//	{"type": "file"|"directory", "oid": GIT-BLOB-SHA1, "size": BYTES, "path": PATH,
//	 "lfs": {"oid": SHA256, "size": BYTES, "pointerSize": BYTES}}
//
// ("lfs" only for files stored in Git LFS or Xet, whose "size" is the
// real file's), a page of at most 1000 entries at a time, the next page's
// URL in a Link header with rel="next".
type hubFile struct {
	Type string `json:"type"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	OID  string `json:"oid"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs,omitempty"`
}

// contentID names the file's content: "sha256:HEX" for LFS files, the Git
// blob id "git:HEX" otherwise.
func (f hubFile) contentID() string {
	if f.LFS != nil {
		return "sha256:" + f.lfsSHA256()
	}
	return "git:" + strings.ToLower(f.OID)
}

func (f hubFile) lfsSHA256() string {
	return strings.ToLower(strings.TrimPrefix(f.LFS.OID, "sha256:"))
}

func (f hubFile) size() int64 {
	if f.LFS != nil && f.LFS.Size > 0 {
		return f.LFS.Size
	}
	return f.Size
}

// hubTreeURL is the first page of the listing of s's root folder.
func hubTreeURL(endpoint string, s hubSource) string {
	u := strings.TrimRight(endpoint, "/") + "/api/datasets/" + s.repo() + "/tree/" + url.PathEscape(s.revision)
	if root := s.listRoot(); root != "" && root != "." {
		u += "/" + escapePath(root)
	}
	return u + "?recursive=true"
}

// HubFileURL is the "resolve" URL of a file of a Hugging Face dataset.
func HubFileURL(endpoint, repo, revision, file string) string {
	return strings.TrimRight(endpoint, "/") + "/datasets/" + repo + "/resolve/" + url.PathEscape(revision) + "/" + escapePath(file)
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// hubDir is where a Hub dataset's files live in a cache.
func hubDir(cacheDir string, s hubSource) string {
	return filepath.Join(cacheDir, "downloads", "hf", s.owner, s.name)
}

// listHub lists the files of s at its revision. The answer is kept in the
// cache; when the Hub cannot be reached, the kept answer is used (with a
// warning), so a prepared dataset rebuilds offline.
func listHub(ctx context.Context, opts Options, s hubSource) ([]hubFile, error) {
	sum := sha256.Sum256([]byte(s.String()))
	kept := filepath.Join(hubDir(opts.CacheDir, s), "listing-"+hex.EncodeToString(sum[:8])+".json")
	files, err := fetchListing(ctx, opts, hubTreeURL(opts.HFEndpoint, s))
	if err != nil {
		var se *listStatusError
		if errors.As(err, &se) || ctx.Err() != nil {
			return nil, err
		}
		blob, rerr := os.ReadFile(kept)
		if rerr != nil {
			return nil, fmt.Errorf("%w (and no earlier listing of %s is kept in %s)", err, s, filepath.Dir(kept))
		}
		if jerr := json.Unmarshal(blob, &files); jerr != nil {
			return nil, fmt.Errorf("%w (and the kept listing %s is unreadable: %v)", err, kept, jerr)
		}
		slog.Warn("the Hub cannot be reached; using the file listing kept from an earlier run", "source", s.String(), "listing", kept, "err", err)
		return files, nil
	}
	blob, _ := json.MarshalIndent(files, "", "  ")
	if err := os.MkdirAll(filepath.Dir(kept), 0o755); err != nil {
		return nil, fmt.Errorf("hub cache: %w", err)
	}
	if err := atomicfile.WriteFile(kept, append(blob, '\n')); err != nil {
		return nil, fmt.Errorf("hub cache: %w", err)
	}
	return files, nil
}

// listStatusError is an HTTP answer to a listing that retrying will not
// change (no such dataset, revision or folder; no access).
type listStatusError struct {
	url, status, hint string
}

func (e *listStatusError) Error() string {
	return fmt.Sprintf("list %s: the Hub answered %s%s", e.url, e.status, e.hint)
}

// maxListingPages bounds a listing (1000 entries a page).
const maxListingPages = 1000

// fetchListing reads every page of a tree listing.
func fetchListing(ctx context.Context, opts Options, first string) ([]hubFile, error) {
	var all []hubFile
	next := first
	for page := 0; next != ""; page++ {
		if page == maxListingPages {
			return nil, fmt.Errorf("list %s: more than %d pages; name a smaller folder or glob", first, maxListingPages)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", next, err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", next, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", next, err)
		}
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return nil, &listStatusError{url: next, status: resp.Status, hint: " (no such dataset, revision or folder)"}
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, &listStatusError{url: next, status: resp.Status, hint: " (a private or gated dataset: this harness sends no access token)"}
		case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
			return nil, &listStatusError{url: next, status: resp.Status}
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("list %s: the Hub answered %s", next, resp.Status)
		}
		var entries []hubFile
		if err := json.Unmarshal(body, &entries); err != nil {
			return nil, &listStatusError{url: next, status: resp.Status, hint: fmt.Sprintf(", but not with a JSON file listing (%v)", err)}
		}
		all = append(all, entries...)
		next = nextLink(resp.Header.Values("Link"))
		if next != "" {
			if u, err := req.URL.Parse(next); err == nil {
				next = u.String()
			}
		}
	}
	return all, nil
}

// nextLink finds the rel="next" URL of Link headers.
func nextLink(links []string) string {
	for _, h := range links {
		for _, part := range strings.Split(h, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.Trim(v, `"`) == "next" {
					return strings.Trim(strings.TrimSpace(target), "<>")
				}
			}
		}
	}
	return ""
}

// fetchHub lists, downloads (or verifies) the files of a Hub source and
// returns them as a corpus.
func fetchHub(ctx context.Context, opts Options, s hubSource, label string) (*localCorpus, error) {
	listing, err := listHub(ctx, opts, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	var picked []hubFile
	var other []string
	for _, f := range listing {
		if f.Type != "file" || !s.selects(f.Path) {
			continue
		}
		if isParquet(f.Path) || isText(f.Path) {
			picked = append(picked, f)
		} else {
			other = append(other, f.Path)
		}
	}
	if len(picked) == 0 {
		msg := fmt.Sprintf("%s: no .parquet or .txt file matches", s)
		if len(other) > 0 {
			sort.Strings(other)
			msg += fmt.Sprintf(" (it matches %d other file(s), such as %s)", len(other), other[0])
		}
		return nil, errors.New(msg)
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i].Path < picked[j].Path })
	dir := hubDir(opts.CacheDir, s)
	c := &localCorpus{root: s.String(), column: opts.TextColumn, name: label}
	id := sha256.New()
	fmt.Fprintf(id, "hf dataset %s revision %s split every %d\n", s.repo(), s.revision, ValEvery)
	for i, f := range picked {
		dest := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return nil, fmt.Errorf("hub cache: %w", err)
		}
		if err := fetchHubFile(ctx, opts, s, f, dest, fmt.Sprintf("%s (%d/%d)", path.Base(f.Path), i+1, len(picked))); err != nil {
			return nil, err
		}
		lf := localFile{path: dest, rel: f.Path, parquet: isParquet(f.Path), size: f.size()}
		if !lf.parquet {
			_, _, hasEOT, err := hashFile(dest)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s, err)
			}
			if !hasEOT {
				lf.mode = splitBlank
			}
		}
		c.files = append(c.files, lf)
		c.size += lf.size
		fmt.Fprintf(id, "%s\x00%s\x00%s\n", f.Path, f.contentID(), lf.how(opts.TextColumn))
	}
	c.sum = hex.EncodeToString(id.Sum(nil))
	c.ident = fmt.Sprintf("hf dataset %s revision %s files %d content sha256 %s", s.repo(), s.revision, len(picked), c.sum)
	if err := c.count(); err != nil {
		return nil, err
	}
	return c, nil
}

// fetchHubFile makes sure dest holds f: downloaded through the verified,
// resumable downloader, checked against the listing's size and content id
// (the LFS SHA-256, or the Git blob id of a plain file). A cached copy of
// an older version of the file (the revision is a branch that moved) is
// replaced.
func fetchHubFile(ctx context.Context, opts Options, s hubSource, f hubFile, dest, label string) error {
	url := HubFileURL(opts.HFEndpoint, s.repo(), s.revision, f.Path)
	want := download.Expect{Size: f.size(), From: "the Hub's file listing"}
	if f.LFS != nil {
		want.SHA256 = f.lfsSHA256()
	}
	for try := 0; ; try++ {
		rec, err := download.File(ctx, url, dest, download.Options{Progress: opts.Progress, Label: label, Hub: true, Expect: want})
		if errors.Is(err, download.ErrMismatch) {
			return fmt.Errorf("%s: %w", s, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w; to work offline, place %s as %s (or set HF_ENDPOINT / -hf-endpoint to a mirror)", s, err, f.Path, dest)
		}
		ok, got := matchesListing(f, dest, rec)
		if ok {
			return nil
		}
		if try > 0 {
			return fmt.Errorf("%s: %s: %w: the listing says %s, the download is %s", s, url, download.ErrMismatch, f.contentID(), got)
		}
		slog.Info("the Hub's file differs from the cached copy; fetching it again", "file", dest, "listing", f.contentID(), "cached", got)
		if err := errors.Join(os.Remove(dest), os.Remove(download.RecordPath(dest))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("hub cache: %w", err)
		}
	}
}

// matchesListing reports whether the file at dest, whose download record
// is rec, is the file the listing names, and describes what it is.
func matchesListing(f hubFile, dest string, rec download.Record) (bool, string) {
	if f.LFS != nil {
		return rec.SHA256 == f.lfsSHA256() && rec.Size == f.size(), fmt.Sprintf("%d bytes with SHA-256 %s", rec.Size, rec.SHA256)
	}
	blob, err := gitBlobID(dest)
	if err != nil {
		return false, err.Error()
	}
	return strings.EqualFold(blob, f.OID), "Git blob " + blob
}

// gitBlobID is the Git object id of a file's content: the SHA-1 of
// "blob SIZE\x00" followed by the bytes.
func gitBlobID(file string) (string, error) {
	fh, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return "", err
	}
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", st.Size())
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("hash %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hubLabel names a Hub dataset in the cache folder's name.
func hubLabel(s hubSource) string {
	clean := func(x string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '-'
		}, x)
	}
	return "hf-" + clean(s.owner) + "-" + clean(s.name)
}
