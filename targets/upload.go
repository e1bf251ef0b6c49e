package targets

// An endpoint's file upload (upload:): the files of a folder read once, at
// load time, into multipart/form-data bodies, one per file.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/textproto"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
)

// Upload is an endpoint's file upload: its Bodies are multipart/form-data
// bodies, one per file of a folder, each holding the file in the form
// field Field; a request draws one at random.
type Upload struct {
	// Field is the form field of the file; DefaultUploadField by default.
	Field string
	// Dir is the folder as the scenario names it.
	Dir string
	// Files are the names of the files, in the order of Endpoint.Bodies.
	Files []string
	// ContentType is "multipart/form-data; boundary=…", the header every
	// body goes with.
	ContentType string
}

// Caps of an upload folder: what a scenario holds in memory for the run.
const (
	MaxUploadFiles = 100     // files of an upload folder
	MaxUploadBytes = 1 << 20 // bytes of one file
	// maxUploadEntries bounds the entries of the folder read (files,
	// subfolders and dotfiles), so that listing a huge folder ends.
	maxUploadEntries = 10000
)

// DefaultUploadField is the form field of an upload's file.
const DefaultUploadField = "file"

// loadUpload reads the regular files of dir (dotfiles and subfolders
// skipped, in name order) through fsys, each within MaxUploadBytes, and
// makes the multipart bodies that hold them in field.
func loadUpload(fsys *files, dir, shown, field string) (*Upload, [][]byte, error) {
	names, err := fsys.readDir(dir)
	if err != nil {
		return nil, nil, err
	}
	up := &Upload{Field: field, Dir: shown}
	var data [][]byte
	for _, name := range names {
		p := filepath.Join(dir, name)
		if !fsys.isRegular(p) {
			continue
		}
		if len(up.Files) == MaxUploadFiles {
			return nil, nil, fmt.Errorf("more than %d files: the cap of an upload folder", MaxUploadFiles)
		}
		b, err := fsys.readFile(p, MaxUploadBytes, "an upload file")
		if err != nil {
			return nil, nil, err
		}
		up.Files = append(up.Files, name)
		data = append(data, b)
	}
	if len(up.Files) == 0 {
		return nil, nil, errors.New("no files to upload (subfolders and dotfiles are skipped)")
	}
	boundary := uploadBoundary(up.Files, data)
	bodies := make([][]byte, len(data))
	for i, b := range data {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.SetBoundary(boundary); err != nil {
			return nil, nil, err
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, formEscaper.Replace(field), formEscaper.Replace(up.Files[i])))
		ct := mime.TypeByExtension(path.Ext(up.Files[i]))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = w.Write(b)
		}
		if err == nil {
			err = mw.Close()
		}
		if err != nil {
			return nil, nil, err
		}
		bodies[i] = buf.Bytes()
		up.ContentType = mw.FormDataContentType()
	}
	return up, bodies, nil
}

// formEscaper escapes a name for a quoted parameter of
// Content-Disposition, as mime/multipart does, and makes line breaks
// (a file name may hold one) spaces, so that no name starts a header.
var formEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", " ", "\n", " ")

// uploadBoundary is a multipart boundary derived from the files (so that
// loading the same folder twice gives the same bodies) that none of them
// holds.
func uploadBoundary(names []string, data [][]byte) string {
	for n := 0; ; n++ {
		h := sha256.New()
		fmt.Fprintf(h, "%d\x00", n)
		for i := range data {
			fmt.Fprintf(h, "%s\x00%d\x00", names[i], len(data[i]))
			h.Write(data[i])
		}
		b := "ragload-" + hex.EncodeToString(h.Sum(nil))[:40]
		if !slices.ContainsFunc(data, func(d []byte) bool { return bytes.Contains(d, []byte(b)) }) {
			return b
		}
	}
}

// readDir returns the names of the entries of the folder name, sorted,
// without dotfiles. Inside a root, a name that is not a folder inside it
// gets an *outsideError.
func (fsys *files) readDir(name string) ([]string, error) {
	var f *os.File
	var err error
	if fsys.root != nil {
		f, err = fsys.root.Open(name)
		if err != nil {
			return nil, &outsideError{fsys.dir}
		}
	} else if f, err = input.Open(name); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.IsDir() {
		if fsys.root != nil {
			return nil, &outsideError{fsys.dir}
		}
		return nil, errors.New("not a folder")
	}
	var names []string
	for n := 0; ; {
		batch, err := f.Readdirnames(256)
		for _, b := range batch {
			if !strings.HasPrefix(b, ".") {
				names = append(names, b)
			}
		}
		if n += len(batch); n > maxUploadEntries {
			return nil, fmt.Errorf("more than %d entries: too many to read", maxUploadEntries)
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("read the folder: %w", err)
		}
	}
	slices.Sort(names)
	return names, nil
}

// isRegular reports whether name is a regular file (a symbolic link to
// one too), without opening it.
func (fsys *files) isRegular(name string) bool {
	var st fs.FileInfo
	var err error
	if fsys.root != nil {
		st, err = fsys.root.Stat(name)
	} else {
		st, err = os.Stat(name)
	}
	return err == nil && st.Mode().IsRegular()
}

// upload reads an endpoint's upload: {field, dir}; dir is relative to the
// scenario's folder. It replaces the endpoint's body, and may not stand
// next to json: or body: in the same item.
func (p *parser) upload(item, n *yaml.Node, path string, e *Endpoint) error {
	if mapValue(item, "json") != nil || mapValue(item, "body") != nil {
		return p.errf(n, path, "json, body and upload are mutually exclusive")
	}
	field, dir := DefaultUploadField, ""
	var dirNode *yaml.Node
	err := p.fields(n, path, []string{"field", "dir"}, func(k string, v *yaml.Node) error {
		if k == "dir" {
			dirNode = v
			return p.scalar(v, path+".dir", &dir)
		}
		if err := p.scalar(v, path+".field", &field); err != nil {
			return err
		}
		if field == "" || strings.ContainsFunc(field, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return p.errf(v, path+".field", "%s: want the name of a form field", input.Quote(field))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if dirNode == nil || dir == "" {
		return p.errf(n, path+".dir", "missing: the folder of the files to upload")
	}
	up, bodies, err := loadUpload(p.fsys, p.fsys.resolve(p.name, dir), dir, field)
	if err != nil {
		var fe *FileError
		var oe *outsideError
		switch {
		case errors.As(err, &fe): // a file of the folder, named
			return err
		case errors.As(err, &oe):
			return p.errf(dirNode, path+".dir", "%s: %w", input.Quote(dir), oe)
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("no such folder")
		} else if errors.Is(err, syscall.ENOTDIR) {
			err = errors.New("not a folder")
		}
		return p.errf(dirNode, path+".dir", "%s: %w", input.Quote(dir), input.CutError(err))
	}
	e.JSON, e.Body, e.Bodies, e.Upload = nil, "", bodies, up
	return nil
}
