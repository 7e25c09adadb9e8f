package migratedata

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// kind is how a column's values are read, written and checksummed. The
// schemas use portable types only (times are BIGINT micros), so a column
// has the same kind on both databases.
type kind byte

const (
	kindInt   kind = 'I'
	kindBool  kind = 'B'
	kindText  kind = 'S'
	kindBytes kind = 'X'
	kindFloat kind = 'F'
)

type column struct {
	name string
	kind kind
}

// table is what the copy needs to know of a table.
type table struct {
	name string
	cols []column // in the target's order
	pk   []string // primary key columns, in key order (empty: none)
	refs []string // tables its foreign keys point at
}

// derivedTables are kept by triggers on other tables (migration 0007's list
// counters), each with its key columns but for the shard. They are not
// copied: the target's triggers rebuild them while the rows they count go
// in (a copy would count twice). Their rows are per database (the shard is
// per writer), so they are verified by what they count: SUM(n) per key.
var derivedTables = map[string][]string{
	"workflow_counts": {"account_id", "template_id", "status"},
	"task_counts":     {"user_id", "kind", "template_id"},
}

// readSchema lists the tables of one side (schema_migrations excluded).
func readSchema(ctx context.Context, q *conn) (map[string]*table, error) {
	var names []string
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if q.dialect == store.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	if err := q.strings(ctx, &names, query); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	out := map[string]*table{}
	for _, n := range names {
		// cache_generation (PostgreSQL) counts changes to one database
		// for its servers' caches: the target keeps its own.
		if n == "schema_migrations" || n == "cache_generation" {
			continue
		}
		t := &table{name: n}
		if err := q.columns(ctx, t); err != nil {
			return nil, fmt.Errorf("table %s: %w", n, err)
		}
		out[n] = t
	}
	return out, nil
}

func (q *conn) columns(ctx context.Context, t *table) error {
	if q.dialect == store.Postgres {
		rows, err := q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t.name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				return err
			}
			t.cols = append(t.cols, column{name, kindOf(typ)})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := q.strings(ctx, &t.pk, `SELECT k.column_name FROM information_schema.table_constraints c
			JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
			AND k.constraint_schema = c.constraint_schema AND k.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'
			ORDER BY k.ordinal_position`, t.name); err != nil {
			return err
		}
		return q.strings(ctx, &t.refs, `SELECT DISTINCT r.relname FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
			WHERE k.contype = 'f' AND c.relname = $1 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
			t.name)
	}
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid`, t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	type pkCol struct {
		name string
		pos  int
	}
	var pks []pkCol
	for rows.Next() {
		var name, typ string
		var pk int
		if err := rows.Scan(&name, &typ, &pk); err != nil {
			return err
		}
		t.cols = append(t.cols, column{name, kindOf(typ)})
		if pk > 0 {
			pks = append(pks, pkCol{name, pk})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Slice(pks, func(i, j int) bool { return pks[i].pos < pks[j].pos })
	for _, p := range pks {
		t.pk = append(t.pk, p.name)
	}
	return q.strings(ctx, &t.refs, `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, t.name)
}

// kindOf maps a declared (SQLite) or information_schema (PostgreSQL) type,
// following SQLite's affinity rules where they apply.
func kindOf(typ string) kind {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "BOOL"):
		return kindBool
	case strings.Contains(t, "INT"):
		return kindInt
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return kindText
	case strings.Contains(t, "BLOB"), strings.Contains(t, "BYTEA"):
		return kindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"), strings.Contains(t, "NUMERIC"):
		return kindFloat
	}
	return kindText
}

// matchSchemas checks that both sides have the same tables and columns of
// the same kinds, and returns the tables in dependency order (a table
// after those it references), ties by name.
func matchSchemas(src, dst map[string]*table) ([]*table, error) {
	var problems []string
	for name, d := range dst {
		s, ok := src[name]
		if !ok {
			problems = append(problems, "table "+name+" is missing in the source")
			continue
		}
		have := map[string]kind{}
		for _, c := range s.cols {
			have[c.name] = c.kind
		}
		for _, c := range d.cols {
			k, ok := have[c.name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("column %s.%s is missing in the source", name, c.name))
			case k != c.kind:
				problems = append(problems, fmt.Sprintf("column %s.%s has another type in the source", name, c.name))
			}
			delete(have, c.name)
		}
		for c := range have {
			problems = append(problems, fmt.Sprintf("column %s.%s is missing in the target", name, c))
		}
	}
	for name := range src {
		if _, ok := dst[name]; !ok {
			problems = append(problems, "table "+name+" is missing in the target")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("the schemas differ: %s", strings.Join(problems, "; "))
	}
	return dependencyOrder(dst)
}

func dependencyOrder(tables map[string]*table) ([]*table, error) {
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*table
	done := map[string]bool{}
	for len(out) < len(names) {
		progressed := false
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for _, r := range tables[n].refs {
				if r != n && !done[r] && tables[r] != nil {
					ready = false
				}
			}
			if ready {
				done[n] = true
				out = append(out, tables[n])
				progressed = true
			}
		}
		if !progressed {
			return nil, fmt.Errorf("the foreign keys form a cycle; cannot order the tables")
		}
	}
	return out, nil
}
