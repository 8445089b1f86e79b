// Search as you type in the header box: a WAI-ARIA combobox whose listbox
// shows suggestions from GET /search/suggest (debounced; a newer request
// aborts the older one). Up/Down move through the options, Enter opens the
// active one, Escape closes the list. Without JavaScript, or with Enter on
// no option, the box is a plain GET form to the results page.
(function () {
  'use strict';
  var form = document.getElementById('site-search');
  var input = document.getElementById('site-search-q');
  var list = document.getElementById('site-search-list');
  var status = document.getElementById('site-search-status');
  if (!form || !input || !list || !status || !window.fetch || !('AbortController' in window)) return;
  var msgCount = form.dataset.msgCount || '%d', msgNone = form.dataset.msgNone || '', msgAll = form.dataset.msgAll || '%s';
  var minChars = 2, delay = 200;
  var timer = null, ctrl = null, options = [], active = -1, shownFor = null;

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  function setActive(i) {
    if (active >= 0 && options[active]) options[active].setAttribute('aria-selected', 'false');
    active = i;
    if (i >= 0 && options[i]) {
      options[i].setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', options[i].id);
      if (options[i].scrollIntoView) options[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }
  function open() {
    if (!options.length) return;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  function close() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  }
  function clear() {
    close();
    list.textContent = '';
    options = [];
    shownFor = null;
  }
  function follow(li) {
    if (li && li.dataset.href) window.location.assign(li.dataset.href);
  }

  function option(n, href) {
    var li = document.createElement('li');
    li.id = list.id + '-' + n;
    li.className = 'suggest-option';
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.dataset.href = href;
    return li;
  }
  function part(cls, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function render(q, j) {
    clear();
    var hits = (j && j.hits) || [];
    hits.forEach(function (h, n) {
      var li = option(n, h.url);
      var course = part('suggest-course', h.title);
      var lesson = h.lesson_title ? part('suggest-lesson', h.lesson_title) : null;
      var s = null;
      if (h.snippet) {
        s = document.createElement('span');
        s.className = 'suggest-snippet';
        s.innerHTML = h.snippet; // escaped by the server except <mark>
        // A snippet that is just a title highlights that title instead.
        if (s.textContent === h.title) { s.className = 'suggest-course'; course = s; s = null; }
        else if (lesson && s.textContent === h.lesson_title) { s.className = 'suggest-lesson'; lesson = s; s = null; }
      }
      li.appendChild(course);
      if (lesson) li.appendChild(lesson);
      if (s) li.appendChild(s);
      list.appendChild(li);
      options.push(li);
    });
    if (hits.length) {
      var all = option('all', j.more || '/search?q=' + encodeURIComponent(q));
      all.classList.add('suggest-all');
      all.textContent = msgAll.replace('%s', q);
      list.appendChild(all);
      options.push(all);
    }
    shownFor = q;
    status.textContent = hits.length ? msgCount.replace('%d', String(hits.length)) : msgNone;
    if (document.activeElement === input) open();
  }

  function suggest() {
    var q = input.value.trim();
    if (q === shownFor) { open(); return; }
    if (ctrl) ctrl.abort();
    ctrl = null;
    if (q.length < minChars) { clear(); status.textContent = ''; return; }
    var mine = ctrl = new AbortController();
    fetch('/search/suggest?q=' + encodeURIComponent(q), { credentials: 'same-origin', signal: mine.signal,
      headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (j) { if (mine === ctrl) render(q, j); })
      .catch(function () { /* aborted, offline or refused: the form still works */ });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, delay);
  });
  input.addEventListener('keydown', function (ev) {
    var expanded = !list.hidden;
    switch (ev.key) {
      case 'ArrowDown':
      case 'Down':
        if (!options.length) return;
        ev.preventDefault();
        if (!expanded) { open(); setActive(0); } else setActive(active + 1 < options.length ? active + 1 : 0);
        break;
      case 'ArrowUp':
      case 'Up':
        if (!options.length) return;
        ev.preventDefault();
        if (!expanded) { open(); setActive(options.length - 1); } else setActive(active > 0 ? active - 1 : options.length - 1);
        break;
      case 'Enter':
        if (expanded && active >= 0) { ev.preventDefault(); follow(options[active]); }
        break; // otherwise the form submits to the results page
      case 'Escape':
      case 'Esc':
        if (expanded) { ev.preventDefault(); close(); }
        break;
    }
  });
  // Enter's implicit submission, should it get past the keydown handler.
  form.addEventListener('submit', function (ev) {
    if (!list.hidden && active >= 0) { ev.preventDefault(); follow(options[active]); }
  });
  input.addEventListener('blur', function () { close(); });
  // Pointer: keep the focus in the box while choosing, then follow.
  list.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
  list.addEventListener('click', function (ev) {
    follow(ev.target.closest ? ev.target.closest('[role=option]') : null);
  });
  list.addEventListener('mousemove', function (ev) {
    var li = ev.target.closest ? ev.target.closest('[role=option]') : null;
    var i = options.indexOf(li);
    if (i >= 0 && i !== active) setActive(i);
  });
}());
