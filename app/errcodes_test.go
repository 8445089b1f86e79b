package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kotalama/kompeten/content"
)

// Every error code the code can produce has a message in every language,
// taking as many values as the code passes: a new code without its
// translation fails here, not in front of a user.
func TestErrorCodesHaveMessages(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	// Per package, the functions whose first argument is a code, the
	// prefix of its catalog key, and how many of the call's arguments
	// after the code are not message values.
	type maker struct {
		prefix string
		skip   int
	}
	pkgs := []struct {
		dir    string
		makers map[string]maker
	}{
		{"../content", map[string]maker{"msg": {"err.", 0}, "errMsg": {"err.", 0}, "newError": {"err.", 1}}},
		{"../quizformat", map[string]maker{"problem": {"err.import.", 0}}},
		{".", map[string]maker{"emsg": {"err.", 0}}},
	}
	verbs := regexp.MustCompile(`%[^%]`)
	seen := 0
	for _, p := range pkgs {
		files, err := filepath.Glob(filepath.Join(p.dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				id, ok := call.Fun.(*ast.Ident)
				if !ok {
					return true
				}
				m, ok := p.makers[id.Name]
				if !ok {
					return true
				}
				pos := fset.Position(call.Pos())
				var keys []string
				switch a := call.Args[0].(type) {
				case *ast.BasicLit:
					code, _ := strconv.Unquote(a.Value)
					keys = []string{m.prefix + code}
				case *ast.BinaryExpr:
					// "qtype." + q.Type: a code per question type.
					if lit, ok := a.X.(*ast.BasicLit); ok && lit.Value == `"qtype."` {
						prefix := "qtype."
						for _, typ := range []string{content.QSingle, content.QMultiple, content.QTrueFalse, content.QShort} {
							keys = append(keys, m.prefix+prefix+typ)
						}
						break
					}
					t.Errorf("%s: %s with a code that is not a constant string", pos, id.Name)
					return true
				case *ast.Ident:
					if a.Name == "code" {
						return true // a helper passing its caller's code on
					}
					t.Errorf("%s: %s with a code that is not a constant string", pos, id.Name)
					return true
				default:
					t.Errorf("%s: %s with a code that is not a constant string", pos, id.Name)
					return true
				}
				nargs := len(call.Args) - 1 - m.skip
				if call.Ellipsis.IsValid() {
					nargs = -1
				}
				for _, key := range keys {
					seen++
					for _, lang := range languages {
						text, ok := cat[lang][key]
						if !ok {
							t.Errorf("%s: %s lacks %q", pos, lang, key)
							continue
						}
						if n := len(verbs.FindAllString(strings.ReplaceAll(text, "%%", ""), -1)); nargs >= 0 && n != nargs {
							t.Errorf("%s: %s %q takes %d values, the code passes %d", pos, lang, key, n, nargs)
						}
					}
				}
				return true
			})
		}
	}
	if seen < 100 {
		t.Errorf("found only %d codes: is the walk still finding the calls?", seen)
	}
}
