// The template editor. It keeps the template as the JSON document that
// POST/PUT /templates take, builds the form from it, and on save puts the
// document into the form's hidden input: the server validates and saves it
// through the same use case as the API, and sends back its problems, which
// are shown beside the item with that api_name.
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var form = document.getElementById('template-form');
  if (!root || !form) return;

  var doc = JSON.parse(root.dataset.doc || '{}');
  var people = JSON.parse(root.dataset.people || '{"users":[],"groups":[]}');
  var problems = JSON.parse(root.dataset.errors || '[]');

  var FIELD_TYPES = ['string', 'text', 'radio', 'checkbox', 'dropdown', 'date', 'url', 'file', 'user', 'number'];
  var TYPE_LABELS = { string: 'Short text', text: 'Long text', radio: 'One of (radio)', checkbox: 'Several of (checkboxes)',
    dropdown: 'One of (dropdown)', date: 'Date', url: 'Link', file: 'File', user: 'Person', number: 'Number' };
  var OPS = {
    string: ['equals', 'not_equals', 'contains', 'not_contains', 'exists', 'not_exists'],
    radio: ['equals', 'not_equals', 'exists', 'not_exists'],
    date: ['equals', 'not_equals', 'more_than', 'less_than', 'exists', 'not_exists'],
    file: ['exists', 'not_exists']
  };
  OPS.text = OPS.url = OPS.checkbox = OPS.string;
  OPS.dropdown = OPS.user = OPS.radio;
  OPS.number = OPS.date;
  var OP_LABELS = { equals: 'is', not_equals: 'is not', contains: 'contains', not_contains: 'does not contain',
    more_than: 'is more than', less_than: 'is less than', exists: 'is filled in', not_exists: 'is empty' };
  var ACTIONS = { start_task: 'Start the task only if', skip_task: 'Skip the task if', end_process: 'End the workflow if' };
  var RULES = ['after task started', 'after task completed', 'after workflow started', 'after field', 'before field'];

  function apiName(prefix) {
    var s = '', a = 'abcdefghijklmnopqrstuvwxyz0123456789';
    var r = new Uint8Array(6);
    (window.crypto || window.msCrypto).getRandomValues(r);
    for (var i = 0; i < r.length; i++) s += a[r[i] % a.length];
    return prefix + '-' + s;
  }

  // Every object gets an api_name now, so that conditions can refer to
  // fields before the first save and problems can point at any item.
  function normalize() {
    doc.kickoff = doc.kickoff || { description: '', fields: [] };
    doc.kickoff.fields = doc.kickoff.fields || [];
    doc.tasks = doc.tasks || [];
    doc.kickoff.fields.forEach(normField);
    doc.tasks.forEach(function (t) {
      t.api_name = t.api_name || apiName('task');
      t.raw_performers = t.raw_performers || [];
      t.raw_performers.forEach(function (p) { p.api_name = p.api_name || apiName('performer'); });
      t.fields = t.fields || [];
      t.fields.forEach(normField);
      t.checklists = t.checklists || [];
      t.checklists.forEach(function (c) {
        c.api_name = c.api_name || apiName('checklist');
        c.selections = c.selections || c.selecions || [];
        delete c.selecions;
        c.selections.forEach(function (i) { i.api_name = i.api_name || apiName('item'); });
      });
      t.conditions = t.conditions || [];
      t.conditions.forEach(function (c) {
        c.api_name = c.api_name || apiName('condition');
        c.rules = c.rules || [];
        c.rules.forEach(function (r) {
          r.api_name = r.api_name || apiName('rule');
          r.predicates = r.predicates || [];
          r.predicates.forEach(function (p) { p.api_name = p.api_name || apiName('predicate'); });
        });
      });
      if (t.raw_due_date) t.raw_due_date.api_name = t.raw_due_date.api_name || apiName('due');
    });
  }
  function normField(f) {
    f.api_name = f.api_name || apiName('field');
    f.selections = f.selections || [];
    f.selections.forEach(function (s) { s.api_name = s.api_name || apiName('option'); });
  }

  // h builds an element: h('input', {type: 'text'}, [children]).
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = v;
      else if (k === 'on') Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); });
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (k === 'dataset') Object.keys(v).forEach(function (d) { el.dataset[d] = v[d]; });
      else el.setAttribute(k, v === true ? '' : v);
    });
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }

  // Labelled inputs. set receives the new value; structural changes
  // (type, operator, field) re-render.
  function textInput(id, label, value, set, opts) {
    opts = opts || {};
    var input = h(opts.area ? 'textarea' : 'input', { id: id, type: opts.area ? null : (opts.type || 'text'), rows: opts.area ? 3 : null,
      maxlength: opts.max, value: value == null ? '' : value, min: opts.min, placeholder: opts.placeholder,
      on: { input: function () { set(input.value); if (opts.rerender) later(); },
        change: function () { if (opts.change) opts.change(input.value); } } });
    return h('div', { class: 'field' + (opts.small ? ' small-field' : '') }, [h('label', { for: id, text: label }), input,
      opts.hint ? h('p', { class: 'hint', text: opts.hint }) : null]);
  }
  function checkbox(id, label, value, set) {
    var input = h('input', { type: 'checkbox', id: id, checked: !!value, on: { change: function () { set(input.checked); render(); } } });
    return h('label', { class: 'choice', for: id }, [input, ' ' + label]);
  }
  function select(id, label, value, options, set, opts) {
    opts = opts || {};
    var s = h('select', { id: id, on: { change: function () { set(s.value); if (!opts.quiet) render(); } } },
      options.map(function (o) { return h('option', { value: o[0], text: o[1] }); }));
    s.value = value == null ? '' : String(value);
    if (s.value !== (value == null ? '' : String(value)) && options.length) s.value = options[0][0];
    return h('div', { class: 'field' }, [h('label', { for: id, text: label }), s]);
  }
  function button(text, onclick, cls, label) {
    return h('button', { type: 'button', class: 'small ' + (cls || ''), 'aria-label': label, text: text,
      on: { click: function () { onclick(); render(); } } });
  }
  var timer;
  function later() { clearTimeout(timer); timer = setTimeout(render, 400); }
  function move(list, i, d) {
    var j = i + d;
    if (j < 0 || j >= list.length) return;
    var x = list[i]; list[i] = list[j]; list[j] = x;
  }
  function remove(list, i) { list.splice(i, 1); }

  // Fields a task may use (kickoff, then earlier tasks), for variables,
  // conditions, due dates and field performers.
  function fieldsBefore(taskIndex) {
    var out = doc.kickoff.fields.map(function (f) { return { f: f, where: 'Kickoff' }; });
    for (var i = 0; i < taskIndex; i++) {
      doc.tasks[i].fields.forEach(function (f) { out.push({ f: f, where: 'Task ' + (i + 1) }); });
    }
    return out;
  }
  function fieldLabel(x) { return x.where + ': ' + (x.f.name || x.f.api_name); }

  function fieldEditor(list, i, where) {
    var f = list[i], id = 'f-' + f.api_name;
    var kids = [
      h('div', { class: 'ed-row' }, [
        textInput(id + '-name', 'Field name', f.name, function (v) { f.name = v; }, { max: 200, change: function () { nameField(f); } }),
        select(id + '-type', 'Type', f.type || 'string', FIELD_TYPES.map(function (t) { return [t, TYPE_LABELS[t]]; }),
          function (v) { f.type = v; }),
        h('div', { class: 'field small-field' }, [checkbox(id + '-req', 'Required', f.is_required, function (v) { f.is_required = v; })])
      ]),
      textInput(id + '-desc', 'Help text', f.description, function (v) { f.description = v; }),
      h('p', { class: 'ed-vars', text: 'Variable: {{' + f.api_name + '}}' })
    ];
    if (!f.type) f.type = 'string';
    if (f.type === 'radio' || f.type === 'checkbox' || f.type === 'dropdown') {
      var opts = h('div', { class: 'ed-options' }, [h('h3', { text: 'Options' })]);
      f.selections.forEach(function (s, j) {
        opts.appendChild(h('div', { class: 'ed-row', dataset: { api: s.api_name } }, [
          textInput('o-' + s.api_name, 'Option ' + (j + 1), s.value, function (v) { s.value = v; }, { max: 200 }),
          button('Remove', function () { remove(f.selections, j); }, 'danger', 'Remove option ' + (j + 1))
        ]));
      });
      opts.appendChild(button('Add option', function () { f.selections.push({ api_name: apiName('option'), value: '' }); }));
      kids.push(opts);
    }
    kids.push(h('div', { class: 'ed-tools' }, [
      button('↑', function () { move(list, i, -1); }, '', 'Move field up'),
      button('↓', function () { move(list, i, 1); }, '', 'Move field down'),
      button('Remove field', function () { remove(list, i); }, 'danger')
    ]));
    return h('div', { class: 'ed-item ed-field', dataset: { api: f.api_name }, role: 'group', 'aria-label': (where || 'Field') + ' ' + (i + 1) }, kids);
  }

  function newField() { return { api_name: apiName('field'), _auto: true, name: '', type: 'string', is_required: false, description: '', selections: [] }; }

  function slug(s) {
    return String(s).toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  }
  function allFields() {
    var out = doc.kickoff.fields.slice();
    doc.tasks.forEach(function (t) { out = out.concat(t.fields); });
    return out;
  }
  // nameField gives a field that was never saved an api_name made from its
  // name ({{amount}} rather than {{field-x7k2p1}}), and moves every
  // reference to the old one along: variables, conditions, due dates and
  // field performers.
  function nameField(f) {
    if (!f._auto || !f.name) return;
    var base = slug(f.name) || 'field', name = base, n = 2, taken = {};
    allFields().forEach(function (x) { if (x !== f) taken[x.api_name] = true; });
    while (taken[name]) name = base + '-' + n++;
    var old = f.api_name;
    if (name === old) return;
    f.api_name = name;
    var re = new RegExp('\\{\\{\\s*' + old.replace(/[-]/g, '\\-') + '\\s*\\}\\}', 'g');
    doc.tasks.forEach(function (t) {
      t.name = (t.name || '').replace(re, '{{' + name + '}}');
      t.description = (t.description || '').replace(re, '{{' + name + '}}');
      t.raw_performers.forEach(function (p) { if (p.type === 'field' && p.source_id === old) p.source_id = name; });
      if (t.raw_due_date && t.raw_due_date.source_id === old) t.raw_due_date.source_id = name;
      t.conditions.forEach(function (c) {
        c.rules.forEach(function (r) { r.predicates.forEach(function (p) { if (p.field === old) p.field = name; }); });
      });
    });
    render();
  }

  function performerEditor(t, ti, p, j) {
    var id = 'p-' + p.api_name;
    var types = [['workflow_starter', 'Who runs the workflow'], ['user', 'A person'], ['group', 'A group'], ['field', 'The person in a field']];
    var row = [select(id + '-type', 'Performer', p.type || 'workflow_starter', types, function (v) { p.type = v; p.source_id = null; })];
    if (p.type === 'user') {
      row.push(select(id + '-src', 'Person', p.source_id, [['', '— choose —']].concat(people.users.map(function (u) { return [String(u.id), u.label]; })),
        function (v) { p.source_id = v || null; }, { quiet: true }));
    } else if (p.type === 'group') {
      row.push(select(id + '-src', 'Group', p.source_id, [['', '— choose —']].concat(people.groups.map(function (g) { return [String(g.id), g.label]; })),
        function (v) { p.source_id = v || null; }, { quiet: true }));
    } else if (p.type === 'field') {
      var uf = fieldsBefore(ti).filter(function (x) { return x.f.type === 'user'; });
      row.push(select(id + '-src', 'Field', p.source_id, [['', '— choose a person field —']].concat(uf.map(function (x) { return [x.f.api_name, fieldLabel(x)]; })),
        function (v) { p.source_id = v || null; }, { quiet: true }));
    }
    row.push(button('Remove', function () { remove(t.raw_performers, j); }, 'danger', 'Remove performer ' + (j + 1)));
    return h('div', { class: 'ed-row', dataset: { api: p.api_name } }, row);
  }

  function secondsParts(s) {
    s = Number(s) || 0;
    return { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600), m: Math.floor((s % 3600) / 60) };
  }
  function durationInputs(id, label, seconds, set) {
    var p = secondsParts(seconds);
    function upd() {
      var v = (Number(d.value) || 0) * 86400 + (Number(hh.value) || 0) * 3600 + (Number(mm.value) || 0) * 60;
      set(v);
    }
    var d = h('input', { type: 'number', id: id + '-d', min: '0', value: String(p.d), on: { input: upd } });
    var hh = h('input', { type: 'number', id: id + '-h', min: '0', value: String(p.h), on: { input: upd } });
    var mm = h('input', { type: 'number', id: id + '-m', min: '0', value: String(p.m), on: { input: upd } });
    return h('fieldset', {}, [h('legend', { text: label }), h('div', { class: 'ed-row' }, [
      h('div', { class: 'field small-field' }, [h('label', { for: id + '-d', text: 'Days' }), d]),
      h('div', { class: 'field small-field' }, [h('label', { for: id + '-h', text: 'Hours' }), hh]),
      h('div', { class: 'field small-field' }, [h('label', { for: id + '-m', text: 'Minutes' }), mm])])]);
  }

  function dueEditor(t, ti) {
    var id = 'due-' + t.api_name;
    var wrap = h('div', { class: 'ed-item', dataset: { api: t.raw_due_date ? t.raw_due_date.api_name : '' } }, [
      checkbox(id + '-on', 'Due date', !!t.raw_due_date, function (v) {
        t.raw_due_date = v ? { api_name: apiName('due'), rule: 'after task started', duration: 86400, duration_months: 0, source_id: t.api_name } : null;
      })]);
    var due = t.raw_due_date;
    if (!due) return wrap;
    wrap.appendChild(h('div', { class: 'ed-row' }, [
      select(id + '-rule', 'Counted from', due.rule, RULES.map(function (r) { return [r, r]; }), function (v) {
        due.rule = v;
        due.source_id = v === 'after task started' ? t.api_name : null;
      })]));
    if (due.rule === 'after task started' || due.rule === 'after task completed') {
      var tasks = doc.tasks.slice(0, due.rule === 'after task started' ? ti + 1 : ti).map(function (x, k) {
        return [x.api_name, 'Task ' + (k + 1) + ': ' + (x.name || '(no name)')];
      });
      wrap.appendChild(select(id + '-src', 'Task', due.source_id, [['', '— choose —']].concat(tasks), function (v) { due.source_id = v || null; }, { quiet: true }));
    } else if (due.rule === 'after field' || due.rule === 'before field') {
      var df = fieldsBefore(ti).filter(function (x) { return x.f.type === 'date'; });
      wrap.appendChild(select(id + '-src', 'Date field', due.source_id, [['', '— choose a date field —']].concat(df.map(function (x) { return [x.f.api_name, fieldLabel(x)]; })),
        function (v) { due.source_id = v || null; }, { quiet: true }));
    }
    wrap.appendChild(durationInputs(id + '-dur', 'How long', due.duration, function (v) { due.duration = v; }));
    wrap.appendChild(textInput(id + '-months', 'Months (30 days each)', due.duration_months || 0, function (v) { due.duration_months = Number(v) || 0; },
      { type: 'number', min: '0', small: true }));
    return wrap;
  }

  function predicateEditor(t, ti, rule, p, k) {
    var id = 'pr-' + p.api_name;
    var avail = fieldsBefore(ti);
    var ref = avail.filter(function (x) { return x.f.api_name === p.field; })[0];
    var row = [select(id + '-field', 'Field', p.field, [['', '— choose a field —']].concat(avail.map(function (x) { return [x.f.api_name, fieldLabel(x)]; })),
      function (v) {
        p.field = v;
        var r = avail.filter(function (x) { return x.f.api_name === v; })[0];
        p.field_type = r ? r.f.type : '';
        if (r && OPS[p.field_type].indexOf(p.operator) < 0) p.operator = OPS[p.field_type][0];
        p.value = null;
      })];
    if (ref) {
      p.field_type = ref.f.type;
      var ops = OPS[ref.f.type] || OPS.string;
      if (ops.indexOf(p.operator) < 0) p.operator = ops[0];
      row.push(select(id + '-op', 'Condition', p.operator, ops.map(function (o) { return [o, OP_LABELS[o]]; }), function (v) {
        p.operator = v;
        if (v === 'exists' || v === 'not_exists') p.value = null;
      }));
      if (p.operator !== 'exists' && p.operator !== 'not_exists') {
        var t2 = ref.f.type;
        if (t2 === 'radio' || t2 === 'checkbox' || t2 === 'dropdown') {
          row.push(select(id + '-value', 'Value', p.value, [['', '— choose —']].concat(ref.f.selections.map(function (s) { return [s.api_name, s.value || '(empty option)']; })),
            function (v) { p.value = v || null; }, { quiet: true }));
        } else if (t2 === 'user') {
          row.push(select(id + '-value', 'Value', p.value, [['', '— choose —']].concat(people.users.map(function (u) { return [String(u.id), u.label]; })),
            function (v) { p.value = v || null; }, { quiet: true }));
        } else {
          row.push(textInput(id + '-value', 'Value', p.value, function (v) { p.value = v === '' ? null : v; },
            { type: t2 === 'date' ? 'date' : 'text', placeholder: t2 === 'number' ? '0' : '' }));
        }
      }
    }
    row.push(button('Remove', function () { remove(rule.predicates, k); }, 'danger', 'Remove condition part ' + (k + 1)));
    return h('div', { class: 'ed-row', dataset: { api: p.api_name } }, row);
  }

  function conditionEditor(t, ti, c, j) {
    var id = 'c-' + c.api_name;
    var box = h('div', { class: 'ed-item', dataset: { api: c.api_name }, role: 'group', 'aria-label': 'Condition ' + (j + 1) }, [
      h('div', { class: 'ed-row' }, [
        select(id + '-action', 'Condition ' + (j + 1), c.action || 'skip_task', Object.keys(ACTIONS).map(function (a) { return [a, ACTIONS[a]]; }),
          function (v) { c.action = v; }),
        button('Remove condition', function () { remove(t.conditions, j); }, 'danger')])]);
    if (!c.action) c.action = 'skip_task';
    c.rules.forEach(function (r, k) {
      var rb = h('div', { class: 'ed-item', dataset: { api: r.api_name } }, [h('h3', { text: k === 0 ? 'When all of these hold' : 'Or when all of these hold' })]);
      r.predicates.forEach(function (p, m) { rb.appendChild(predicateEditor(t, ti, r, p, m)); });
      rb.appendChild(h('div', { class: 'ed-tools' }, [
        button('And…', function () { r.predicates.push(newPredicate()); }, '', 'Add a part to this rule'),
        button('Remove rule', function () { remove(c.rules, k); }, 'danger')]));
      box.appendChild(rb);
    });
    box.appendChild(button('Or…', function () { c.rules.push({ api_name: apiName('rule'), predicates: [newPredicate()] }); }, '', 'Add another rule'));
    return box;
  }
  function newPredicate() { return { api_name: apiName('predicate'), field: '', field_type: '', operator: 'equals', value: null }; }

  function taskEditor(t, i) {
    var id = 't-' + t.api_name;
    var vars = fieldsBefore(i).map(function (x) { return '{{' + x.f.api_name + '}} (' + (x.f.name || 'no name') + ')'; });
    var sec = h('section', { class: 'ed-section ed-task', dataset: { api: t.api_name }, 'aria-labelledby': id + '-h' }, [
      h('div', { class: 'head-row' }, [h('h2', { id: id + '-h', text: 'Task ' + (i + 1) + (t.name ? ': ' + t.name : '') }),
        h('div', { class: 'ed-tools' }, [
          button('↑', function () { move(doc.tasks, i, -1); }, '', 'Move task ' + (i + 1) + ' up'),
          button('↓', function () { move(doc.tasks, i, 1); }, '', 'Move task ' + (i + 1) + ' down'),
          button('Remove task', function () { remove(doc.tasks, i); }, 'danger', 'Remove task ' + (i + 1))])]),
      textInput(id + '-name', 'Task name', t.name, function (v) { t.name = v; }, { max: 280 }),
      textInput(id + '-desc', 'Description', t.description, function (v) { t.description = v; }, { area: true }),
      vars.length ? h('p', { class: 'ed-vars', text: 'Variables: ' + vars.join(', ') + ', {{workflow-starter}}, {{template-name}}, {{date}}' }) : null,
      h('h3', { text: 'Performers' })]);
    t.raw_performers.forEach(function (p, j) { sec.appendChild(performerEditor(t, i, p, j)); });
    sec.appendChild(h('div', { class: 'ed-tools' }, [
      button('Add performer', function () { t.raw_performers.push({ api_name: apiName('performer'), type: 'user', source_id: null }); }),
      checkbox(id + '-all', 'Every performer must complete it', t.require_completion_by_all, function (v) { t.require_completion_by_all = v; })]));
    var delayBox = h('div', { class: 'ed-item' }, [checkbox(id + '-delay-on', 'Wait before the task starts', t.delay != null && t.delay !== '' && Number(t.delay) !== 0,
      function (v) { t.delay = v ? 3600 : null; })]);
    if (t.delay != null && t.delay !== '' && Number(t.delay) !== 0) {
      if (typeof t.delay === 'string') t.delay = parseDuration(t.delay);
      delayBox.appendChild(durationInputs(id + '-delay', 'Delay', t.delay, function (v) { t.delay = v || null; }));
    }
    sec.appendChild(delayBox);
    if (t.raw_due_date && typeof t.raw_due_date.duration === 'string') t.raw_due_date.duration = parseDuration(t.raw_due_date.duration);
    sec.appendChild(dueEditor(t, i));
    sec.appendChild(h('h3', { text: 'Output fields' }));
    t.fields.forEach(function (f, j) { sec.appendChild(fieldEditor(t.fields, j, 'Output field')); });
    sec.appendChild(button('Add output field', function () { t.fields.push(newField()); }, '', 'Add an output field to task ' + (i + 1)));
    sec.appendChild(h('h3', { text: 'Checklists' }));
    t.checklists.forEach(function (c, j) {
      var box = h('div', { class: 'ed-item', dataset: { api: c.api_name } });
      c.selections.forEach(function (it, k) {
        box.appendChild(h('div', { class: 'ed-row', dataset: { api: it.api_name } }, [
          textInput('ci-' + it.api_name, 'Item ' + (k + 1), it.value, function (v) { it.value = v; }, { max: 2000 }),
          button('Remove', function () { remove(c.selections, k); }, 'danger', 'Remove item ' + (k + 1))]));
      });
      box.appendChild(h('div', { class: 'ed-tools' }, [
        button('Add item', function () { c.selections.push({ api_name: apiName('item'), value: '' }); }),
        button('Remove checklist', function () { remove(t.checklists, j); }, 'danger')]));
      sec.appendChild(box);
    });
    sec.appendChild(button('Add checklist', function () {
      t.checklists.push({ api_name: apiName('checklist'), selections: [{ api_name: apiName('item'), value: '' }] });
    }, '', 'Add a checklist to task ' + (i + 1)));
    sec.appendChild(h('h3', { text: 'Conditions' }));
    t.conditions.forEach(function (c, j) { sec.appendChild(conditionEditor(t, i, c, j)); });
    sec.appendChild(button('Add condition', function () {
      t.conditions.push({ api_name: apiName('condition'), action: 'skip_task', rules: [{ api_name: apiName('rule'), predicates: [newPredicate()] }] });
    }, '', 'Add a condition to task ' + (i + 1)));
    return sec;
  }

  // "D HH:MM:SS" or "HH:MM:SS" or seconds → seconds.
  function parseDuration(s) {
    if (typeof s === 'number') return s;
    var m = String(s).trim().match(/^(?:(\d+) )?(?:(\d+):)?(?:(\d+):)?(\d+)(?:\.\d+)?$/);
    if (!m) return 0;
    var parts = [m[2], m[3]].filter(function (x) { return x !== undefined; });
    var hrs = 0, min = 0;
    if (parts.length === 2) { hrs = +parts[0]; min = +parts[1]; } else if (parts.length === 1) { min = +parts[0]; }
    return (+(m[1] || 0)) * 86400 + hrs * 3600 + min * 60 + (+m[4]);
  }

  function render() {
    var active = document.activeElement && document.activeElement.id;
    root.textContent = '';
    if (problems.length) root.appendChild(summary());
    var top = h('section', { class: 'ed-section', 'aria-labelledby': 'tpl-h' }, [
      h('h2', { id: 'tpl-h', text: 'Template' }),
      h('div', { dataset: { name: 'name' } }, [textInput('tpl-name', 'Name', doc.name, function (v) { doc.name = v; }, { max: 120 })]),
      textInput('tpl-desc', 'Description', doc.description, function (v) { doc.description = v; }, { area: true }),
      h('div', { class: 'ed-tools' }, [
        checkbox('tpl-active', 'Active (can be run)', doc.is_active, function (v) { doc.is_active = v; }),
        checkbox('tpl-finalizable', 'Admins may finish workflows early', doc.finalizable, function (v) { doc.finalizable = v; })]),
      h('div', { class: 'ed-tools' }, [
        checkbox('tpl-public', 'Public form', doc.is_public, function (v) { doc.is_public = v; }),
        checkbox('tpl-embedded', 'Embeddable form', doc.is_embedded, function (v) { doc.is_embedded = v; })]),
      (doc.is_public || doc.is_embedded) ? textInput('tpl-success', 'After a public form is sent, go to (URL)', doc.public_success_url,
        function (v) { doc.public_success_url = v || null; }, { type: 'url', placeholder: 'https://example.com/thanks' }) : null
    ]);
    root.appendChild(top);
    var ko = h('section', { class: 'ed-section', 'aria-labelledby': 'ko-h', dataset: { api: doc.kickoff.api_name || '' } }, [
      h('h2', { id: 'ko-h', text: 'Kickoff form' }),
      textInput('ko-desc', 'Text above the form', doc.kickoff.description, function (v) { doc.kickoff.description = v; }, { area: true })]);
    doc.kickoff.fields.forEach(function (f, i) { ko.appendChild(fieldEditor(doc.kickoff.fields, i, 'Kickoff field')); });
    ko.appendChild(button('Add kickoff field', function () { doc.kickoff.fields.push(newField()); }));
    root.appendChild(ko);
    doc.tasks.forEach(function (t, i) { root.appendChild(taskEditor(t, i)); });
    root.appendChild(button('Add task', function () {
      doc.tasks.push({ api_name: apiName('task'), name: '', description: '', raw_performers: [{ api_name: apiName('performer'), type: 'workflow_starter' }],
        fields: [], checklists: [], conditions: [] });
    }, 'primary'));
    showProblems();
    if (active) {
      var el = document.getElementById(active);
      if (el) el.focus();
    }
  }

  function summary() {
    var ul = h('ul');
    problems.forEach(function (p) { ul.appendChild(h('li', { text: p.reason })); });
    return h('div', { class: 'flash error ed-summary', role: 'alert', id: 'editor-problems' },
      [h('p', { text: 'The template was not saved. Fix these problems:' }), ul]);
  }

  function showProblems() {
    problems.forEach(function (p) {
      var target = null;
      if (p.api_name) target = root.querySelector('[data-api="' + CSS.escape(p.api_name) + '"]');
      else if (p.name) target = root.querySelector('[data-name="' + CSS.escape(p.name.split(/[.[]/)[0]) + '"]');
      if (!target) return;
      target.classList.add('ed-has-error');
      // Right under the item's first line (its heading or first input).
      var first = target.firstElementChild;
      target.insertBefore(h('p', { class: 'ed-error', text: p.reason }), first ? first.nextSibling : null);
    });
  }

  // serialize renumbers tasks and orders by position: what the page shows
  // is what is saved.
  function serialize() {
    var out = JSON.parse(JSON.stringify(doc, function (k, v) { return k === '_auto' ? undefined : v; }));
    out.kickoff.fields.forEach(function (f, i) { f.order = i; });
    out.tasks.forEach(function (t, i) {
      t.number = i + 1;
      t.fields.forEach(function (f, j) { f.order = j; });
      t.conditions.forEach(function (c, j) { c.order = j; });
      if (t.delay === 0) t.delay = null;
    });
    return JSON.stringify(out);
  }

  form.addEventListener('submit', function () {
    document.getElementById('template-json').value = serialize();
  });

  normalize();
  render();
  if (problems.length) {
    var s = document.getElementById('editor-problems');
    if (s) { s.tabIndex = -1; s.focus(); }
  }
})();
