// Quiz attempt: saves each answer as soon as it changes, keeps unsent
// answers in localStorage (so a lost connection or a reload loses
// nothing) and sends them when the connection returns, counts down to the
// server's deadline, shows one question per screen when the quiz asks for
// it, and confirms before submitting. Without it the page is a plain form.
(function () {
  'use strict';
  var root = document.getElementById('quiz');
  var form = document.getElementById('quiz-form');
  if (!root || !form) return;
  var d = root.dataset;
  var attempt = d.attempt;
  var storeKey = 'kompeten-quiz:' + attempt;
  // Answers the server acknowledged since this page was rendered: a reload
  // racing the last save may be rendered from before it, so the next page
  // puts them back (and saves them again, which changes nothing).
  var sentKey = 'kompeten-quiz-sent:' + attempt;
  var banner = document.getElementById('quiz-offline');
  var live = document.getElementById('quiz-live');
  var questions = Array.prototype.slice.call(form.querySelectorAll('fieldset.question'));
  var submitting = false;
  var closed = false;

  function fmt(msg) {
    var args = Array.prototype.slice.call(arguments, 1);
    return String(msg || '').replace(/%[dsv]/g, function () { return args.length ? String(args.shift()) : ''; });
  }
  function announce(msg) { if (live) { live.textContent = ''; live.textContent = msg; } }

  // ---- Answers ------------------------------------------------------------
  function fieldsOf(q) { return q.querySelectorAll('[name="a.' + q.dataset.qid + '"]'); }
  function valueOf(q) {
    var els = fieldsOf(q), i, out;
    switch (q.dataset.type) {
      case 'multiple':
        out = [];
        for (i = 0; i < els.length; i++) if (els[i].checked) out.push(els[i].value);
        return out;
      case 'truefalse':
        for (i = 0; i < els.length; i++) if (els[i].checked) return els[i].value === 'true';
        return null;
      case 'short':
        return els.length ? els[0].value : '';
      default:
        for (i = 0; i < els.length; i++) if (els[i].checked) return els[i].value;
        return null;
    }
  }
  function setValue(q, v) {
    var els = fieldsOf(q), i;
    for (i = 0; i < els.length; i++) {
      var el = els[i];
      if (q.dataset.type === 'short') el.value = v == null ? '' : String(v);
      else if (q.dataset.type === 'multiple') el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
      else if (q.dataset.type === 'truefalse') el.checked = (el.value === 'true') === v;
      else el.checked = el.value === v;
    }
  }
  function answered(q) {
    var v = valueOf(q);
    if (v === null) return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === 'string') return v.trim() !== '';
    return true;
  }
  function byId(qid) {
    for (var i = 0; i < questions.length; i++) if (questions[i].dataset.qid === qid) return questions[i];
    return null;
  }
  function status(qid, msg, cls) {
    var el = document.getElementById('st-' + qid);
    if (!el) return;
    el.textContent = msg;
    el.className = 'q-status' + (cls ? ' ' + cls : '');
  }

  // ---- The queue: unsent answers, in localStorage ---------------------------
  function readQueue() {
    try { return JSON.parse(localStorage.getItem(storeKey) || '{}') || {}; } catch (e) { return {}; }
  }
  function writeQueue(q) {
    try {
      if (Object.keys(q).length) localStorage.setItem(storeKey, JSON.stringify(q));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* storage full or blocked: the server copy still counts */ }
  }
  var queue = readQueue();
  function readSent() {
    try { return JSON.parse(localStorage.getItem(sentKey) || '{}') || {}; } catch (e) { return {}; }
  }
  function remember(k, v) {
    try { var m = readSent(); m[k] = v; localStorage.setItem(sentKey, JSON.stringify(m)); } catch (e) { /* optional */ }
  }
  function forget() { try { localStorage.removeItem(sentKey); } catch (e) { /* optional */ } }

  function offline(on) {
    if (banner) banner.hidden = !on;
    root.classList.toggle('is-offline', !!on);
  }

  var sending = false;
  var again = false;
  var retryTimer = null;
  function scheduleRetry() {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 4000);
  }

  // flush sends every queued answer in one request and resolves true when
  // the queue is empty afterwards.
  function flush() {
    if (closed) return Promise.resolve(false);
    var keys = Object.keys(queue);
    if (!keys.length) { offline(false); return Promise.resolve(true); }
    if (sending) { again = true; return waitIdle(); }
    if (navigator.onLine === false) {
      offline(true);
      keys.forEach(function (k) { status(k, d.msgQueued, 'queued'); });
      scheduleRetry();
      return Promise.resolve(false);
    }
    sending = true;
    var batch = {};
    keys.forEach(function (k) { batch[k] = queue[k]; status(k, d.msgSaving, 'saving'); });
    return fetch(d.saveUrl, {
      method: 'PUT', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': d.csrf },
      body: JSON.stringify({ answers: batch })
    }).then(function (res) {
      if (res.ok) {
        var wasOffline = banner && !banner.hidden;
        keys.forEach(function (k) {
          // An answer changed while this was on its way stays queued.
          if (JSON.stringify(queue[k]) === JSON.stringify(batch[k])) delete queue[k];
          remember(k, batch[k]);
          if (!(k in queue)) status(k, d.msgSaved, 'saved');
        });
        writeQueue(queue);
        offline(false);
        if (wasOffline) announce(d.msgOnline);
        return;
      }
      if (res.status === 409) { // submitted, or the time ran out
        closed = true;
        queue = {};
        writeQueue(queue);
        forget();
        announce(d.msgClosed);
        window.location.href = window.location.pathname.replace(/\/$/, '') + '/result';
        return;
      }
      if (res.status === 422) { // a bad answer: drop it, keep the rest
        return res.json().then(function (body) {
          var fields = (body && body.error && body.error.fields) || {};
          keys.forEach(function (k) {
            if (fields['answers.' + k]) { delete queue[k]; status(k, d.msgError, 'error'); }
          });
          writeQueue(queue);
        });
      }
      // 401/403/5xx: keep the answers and try again later.
      keys.forEach(function (k) { status(k, d.msgError, 'error'); });
      scheduleRetry();
    }, function () {
      // The request never reached the server: the connection is down.
      offline(true);
      keys.forEach(function (k) { status(k, d.msgQueued, 'queued'); });
      scheduleRetry();
    }).then(function () {
      sending = false;
      if (again) { again = false; return flush(); }
      return Object.keys(queue).length === 0;
    });
  }
  var idleWaiters = [];
  function waitIdle() {
    return new Promise(function (resolve) { idleWaiters.push(resolve); }).then(flush);
  }
  setInterval(function () {
    if (!sending && idleWaiters.length) { var w = idleWaiters; idleWaiters = []; w.forEach(function (f) { f(); }); }
    if (Object.keys(queue).length && !sending && !retryTimer) flush();
  }, 1000);

  function changed(q) {
    queue[q.dataset.qid] = valueOf(q);
    writeQueue(queue); // first on the device, so nothing is lost
    markNav();
    flush();
  }

  // Restore what this device had not sent yet (newer than the server's),
  // and what it sent just before this page was rendered.
  var sentBefore = readSent();
  forget();
  Object.keys(sentBefore).forEach(function (k) {
    var q = byId(k);
    if (q && !(k in queue) && JSON.stringify(valueOf(q)) !== JSON.stringify(sentBefore[k])) queue[k] = sentBefore[k];
  });
  writeQueue(queue);
  Object.keys(queue).forEach(function (k) {
    var q = byId(k);
    if (q) { setValue(q, queue[k]); status(k, d.msgQueued, 'queued'); } else delete queue[k];
  });

  var typing = {};
  questions.forEach(function (q) {
    q.addEventListener('change', function () { clearTimeout(typing[q.dataset.qid]); changed(q); });
    if (q.dataset.type === 'short') {
      q.addEventListener('input', function () {
        var qid = q.dataset.qid;
        queue[qid] = valueOf(q);
        writeQueue(queue);
        clearTimeout(typing[qid]);
        typing[qid] = setTimeout(function () { changed(q); }, 800);
      });
    }
  });
  window.addEventListener('online', function () { flush(); });
  window.addEventListener('offline', function () { if (Object.keys(queue).length) offline(true); });
  if (Object.keys(queue).length) flush();

  // ---- One question per screen ----------------------------------------------
  var one = d.one === '1' && questions.length > 1;
  var nav = document.getElementById('quiz-nav');
  var pager = document.getElementById('quiz-pager');
  var pos = document.getElementById('quiz-pos');
  var prev = document.getElementById('quiz-prev');
  var next = document.getElementById('quiz-next');
  var current = 0;
  function markNav() {
    if (!nav) return;
    var btns = nav.querySelectorAll('[data-goto]');
    for (var i = 0; i < btns.length; i++) {
      var q = questions[i];
      btns[i].classList.toggle('answered', !!q && answered(q));
      if (i === current && one) btns[i].setAttribute('aria-current', 'step'); else btns[i].removeAttribute('aria-current');
    }
  }
  function show(i, focus) {
    current = Math.max(0, Math.min(questions.length - 1, i));
    questions.forEach(function (q, k) { q.hidden = k !== current; });
    if (pos) pos.textContent = fmt(d.msgPos, current + 1, questions.length);
    if (prev) prev.disabled = current === 0;
    if (next) next.disabled = current === questions.length - 1;
    markNav();
    if (focus) {
      var legend = questions[current].querySelector('legend');
      var first = questions[current].querySelector('input:not([type=hidden])');
      (first || legend).focus();
    }
  }
  if (one) {
    if (nav) nav.hidden = false;
    if (pager) pager.hidden = false;
    if (prev) prev.addEventListener('click', function () { show(current - 1, true); });
    if (next) next.addEventListener('click', function () { show(current + 1, true); });
    if (nav) nav.addEventListener('click', function (e) {
      var b = e.target.closest('[data-goto]');
      if (b) show(parseInt(b.dataset.goto, 10) - 1, true);
    });
    show(0, false);
  }

  // ---- Submit -------------------------------------------------------------
  var confirmBox = document.getElementById('quiz-confirm');
  var confirmText = document.getElementById('confirm-text');
  function countAnswered() {
    var n = 0;
    questions.forEach(function (q) { if (answered(q)) n++; });
    return n;
  }
  function reallySubmit() {
    if (submitting) return;
    submitting = true;
    questions.forEach(function (q) { clearTimeout(typing[q.dataset.qid]); if (q.dataset.type === 'short') queue[q.dataset.qid] = valueOf(q); });
    writeQueue(queue);
    flush().then(function (empty) {
      if (!empty && !closed) {
        submitting = false;
        offline(true);
        announce(d.msgOfflineSubmit);
        if (confirmText) confirmText.textContent = d.msgOfflineSubmit;
        return;
      }
      if (closed) return;
      writeQueue({});
      forget();
      addHidden('do', 'submit');
      addHidden('confirm', '1');
      form.submit();
    });
  }
  function addHidden(name, value) {
    var el = document.createElement('input');
    el.type = 'hidden'; el.name = name; el.value = value;
    form.appendChild(el);
  }
  form.addEventListener('submit', function (e) {
    var by = e.submitter;
    if (by && by.id === 'quiz-save') {
      // Autosave already keeps the server current; offline the POST would fail.
      e.preventDefault();
      questions.forEach(function (q) { queue[q.dataset.qid] = valueOf(q); });
      writeQueue(queue);
      flush();
      return;
    }
    e.preventDefault();
    if (!confirmBox) { reallySubmit(); return; }
    if (confirmText) confirmText.textContent = fmt(d.msgAnswered, countAnswered(), questions.length);
    confirmBox.hidden = false;
    var title = document.getElementById('confirm-title');
    if (title) title.focus();
  });
  var yes = document.getElementById('confirm-yes');
  var no = document.getElementById('confirm-no');
  if (yes) yes.addEventListener('click', reallySubmit);
  if (no) no.addEventListener('click', function () {
    confirmBox.hidden = true;
    document.getElementById('quiz-submit').focus();
  });

  // ---- Timer ----------------------------------------------------------------
  var deadline = parseInt(d.deadline, 10) || 0;
  var timerEl = document.getElementById('quiz-timer');
  var clockEl = document.getElementById('quiz-clock');
  if (deadline && timerEl && clockEl) {
    // The server's clock decides; correct for this device's.
    var skew = (parseInt(d.now, 10) || Date.now()) - Date.now();
    var warned = false;
    timerEl.hidden = false;
    var tick = function () {
      var left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      clockEl.textContent = m + ':' + (s < 10 ? '0' : '') + s;
      timerEl.setAttribute('aria-label', fmt(d.msgLeft, clockEl.textContent));
      if (left <= 60 && !warned) {
        warned = true;
        timerEl.classList.add('warn');
        announce(d.msgMinute);
      }
      if (left <= 0) {
        clearInterval(timerId);
        announce(d.msgTimeup);
        reallySubmit();
      }
    };
    var timerId = setInterval(tick, 1000);
    tick();
  }
})();
