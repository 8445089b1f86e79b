// Resumable uploader for the course authoring page and an event's edit page
// (data-event instead of data-course). It speaks the upload protocol of the
// page routes (the API's under the cookie session):
//   POST /teach/uploads {filename, size, content_type, course_id | event_id} -> {id, part_size, parts, received}
//   PUT  /teach/uploads/{id}/parts/{n}   raw bytes of part n (1-based)
//   GET  /teach/uploads/{id}             -> {received:[n…]} to resume
//   POST /teach/uploads/{id}/complete    -> asset
// Parts go three at a time; network errors retry with backoff; the upload
// id is kept in localStorage per file, so choosing the same file after a
// reload resumes with the parts the server already has.
(function () {
  'use strict';
  var root = document.getElementById('uploader');
  if (!root || !window.XMLHttpRequest || !window.Blob || !Blob.prototype.slice) return;
  var input = document.getElementById('file');
  var drop = document.getElementById('drop');
  var panel = document.getElementById('upload-progress');
  var nameEl = document.getElementById('upload-name');
  var bar = document.getElementById('upload-bar');
  var statusEl = document.getElementById('upload-status');
  var pauseBtn = document.getElementById('upload-pause');
  var resumeBtn = document.getElementById('upload-resume');
  var cancelBtn = document.getElementById('upload-cancel');
  var retryBtn = document.getElementById('upload-retry');
  var errorEl = document.getElementById('upload-error');
  var course = root.dataset.course || '';
  var event = root.dataset.event || '';
  var PARALLEL = 4;

  var st = null; // the running upload

  function say(msg) { statusEl.textContent = msg; }
  function storeKey(f) { return 'kompeten-upload:' + (course || 'event-' + event) + ':' + f.name + ':' + f.size + ':' + f.lastModified; }
  function store(k, v) { try { if (v) localStorage.setItem(k, v); else localStorage.removeItem(k); } catch (e) { /* private mode */ } }
  function stored(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }

  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': root.dataset.csrf } };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        if (!r.ok) throw apiError(r.status, j);
        return j;
      });
    });
  }

  // apiError keeps what fail() needs to explain a refusal in the user's
  // words: the status and the fields the server named.
  function apiError(status, j) {
    var e = (j && j.error) || {};
    var err = new Error(e.message || ('HTTP ' + status));
    err.status = status;
    err.fields = e.fields || {};
    return err;
  }

  function partLen(n) {
    var u = st.up;
    return n === u.parts ? u.size - (u.parts - 1) * u.part_size : u.part_size;
  }

  function fmtTime(s) {
    if (!isFinite(s) || s < 0) return '…';
    s = Math.round(s);
    if (s < 60) return s + ' dtk';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' mnt ' + (s % 60) + ' dtk';
    return Math.floor(m / 60) + ' j ' + (m % 60) + ' mnt';
  }

  function render() {
    if (!st || !st.up) return;
    var loaded = st.doneBytes;
    Object.keys(st.loaded).forEach(function (n) { loaded += st.loaded[n]; });
    var size = st.up.size;
    var pct = size ? Math.min(100, Math.floor(loaded * 100 / size)) : 100;
    if (st.finished) pct = 100;
    bar.value = pct;
    bar.setAttribute('aria-valuetext', pct + '%');
    // Speed over the last few seconds.
    var now = Date.now();
    st.samples.push([now, loaded]);
    while (st.samples.length > 2 && now - st.samples[0][0] > 5000) st.samples.shift();
    var first = st.samples[0];
    var dt = (now - first[0]) / 1000;
    var speed = dt > 0.2 ? (loaded - first[1]) / dt : 0;
    var left = speed > 0 ? (size - loaded) / speed : Infinity;
    // Announce at most every 2 s, so screen readers are not flooded.
    if (st.finished || st.paused || now - st.lastSay > 2000) {
      st.lastSay = now;
      if (!st.finished && !st.paused && !st.retrying) {
        say(fmt(root.dataset.msgProgress, [String(pct), (speed / 1048576).toFixed(2), fmtTime(left)]));
      }
    }
  }

  function fmt(tpl, args) {
    var i = 0;
    return (tpl || '%s%% · %s MB/s · %s').replace(/%%/g, '\u0000').replace(/%s/g, function () { return args[i++]; }).replace(/\u0000/g, '%');
  }

  function start(file) {
    if (st && !st.finished && !st.failed) abortLocal();
    st = { file: file, key: storeKey(file), up: null, todo: [], inflight: {}, loaded: {}, doneBytes: 0,
      paused: false, finished: false, failed: false, samples: [], lastSay: 0, retrying: false };
    panel.hidden = false;
    panel.classList.remove('failed');
    errorEl.hidden = true;
    errorEl.textContent = '';
    retryBtn.hidden = true;
    nameEl.textContent = file.name;
    bar.value = 0;
    pauseBtn.hidden = false;
    resumeBtn.hidden = true;
    // The largest file the server takes: a bigger one is refused at once
    // rather than after a round trip.
    var maxBytes = Number(root.dataset.max) || 0;
    if (maxBytes && file.size > maxBytes) {
      fail(tooBig());
      return;
    }
    var my = st;
    var prev = stored(st.key);
    var ready = prev
      ? api('GET', '/teach/uploads/' + encodeURIComponent(prev)).then(function (u) {
          if (!u || u.size !== file.size) throw new Error('mismatch');
          say(root.dataset.msgResume);
          return u;
        }).catch(function () { store(my.key, null); return create(file); })
      : create(file);
    ready.then(function (u) {
      if (my !== st) return;
      st.up = u;
      store(st.key, u.id);
      var have = {};
      (u.received || []).forEach(function (n) { have[n] = true; st.doneBytes += partLen(n); });
      for (var n = 1; n <= u.parts; n++) if (!have[n]) st.todo.push(n);
      render();
      pump();
    }).catch(fail);
  }

  function create(file) {
    return api('POST', '/teach/uploads', { filename: file.name, size: file.size,
      content_type: file.type || 'application/octet-stream', course_id: course, event_id: event });
  }

  function pump() {
    if (!st || st.paused || st.failed) return;
    while (Object.keys(st.inflight).length < PARALLEL && st.todo.length) sendPart(st.todo.shift(), 0);
    if (!st.todo.length && !Object.keys(st.inflight).length && !st.finished) complete(0);
  }

  function sendPart(n, attempt) {
    var my = st;
    var from = (n - 1) * st.up.part_size;
    var blob = st.file.slice(from, from + partLen(n));
    var xhr = new XMLHttpRequest();
    st.inflight[n] = xhr;
    st.loaded[n] = 0;
    xhr.open('PUT', '/teach/uploads/' + encodeURIComponent(st.up.id) + '/parts/' + n);
    xhr.setRequestHeader('X-CSRF-Token', root.dataset.csrf);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = function (e) { if (my === st) { st.loaded[n] = e.loaded; render(); } };
    function settle() { delete my.inflight[n]; delete my.loaded[n]; }
    xhr.onload = function () {
      if (my !== st) return;
      settle();
      if (xhr.status >= 200 && xhr.status < 300) {
        st.retrying = false;
        st.doneBytes += partLen(n);
        render();
        pump();
      } else if (xhr.status >= 500 || xhr.status === 408 || xhr.status === 429) {
        retry(n, attempt);
      } else {
        var j = null;
        try { j = JSON.parse(xhr.responseText); } catch (e) { /* no JSON body */ }
        fail(apiError(xhr.status, j));
      }
    };
    xhr.onerror = xhr.ontimeout = function () { if (my === st) { settle(); retry(n, attempt); } };
    xhr.onabort = function () { if (my === st) { settle(); st.todo.unshift(n); render(); } };
    xhr.send(blob);
  }

  function backoff(attempt) { return Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.75 + Math.random() / 2); }

  function retry(n, attempt) {
    st.retrying = true;
    say(root.dataset.msgRetry);
    var my = st;
    setTimeout(function () {
      if (my !== st) return;
      if (st.paused) { st.todo.unshift(n); return; }
      sendPart(n, attempt + 1);
    }, backoff(attempt));
  }

  function complete(attempt) {
    var my = st;
    st.completing = true;
    api('POST', '/teach/uploads/' + encodeURIComponent(st.up.id) + '/complete').then(function (asset) {
      if (my !== st) return;
      st.finished = true;
      store(st.key, null);
      render();
      pauseBtn.hidden = resumeBtn.hidden = true;
      say(root.dataset.msgDone + ' ' + (asset && asset.name ? asset.name : ''));
      refreshAssets();
    }).catch(function (err) {
      if (my !== st) return;
      if (!err.status || err.status >= 500) {
        st.retrying = true;
        say(root.dataset.msgRetry);
        setTimeout(function () { if (my === st && !st.paused) complete(attempt + 1); }, backoff(attempt));
      } else {
        fail(err);
      }
    });
  }

  function refreshAssets() {
    var list = document.getElementById('asset-list');
    if (!list) return;
    fetch(root.dataset.assetsUrl, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { list.innerHTML = html; }) // our own server-rendered fragment
      .catch(function () { location.reload(); });
  }

  function tooBig() {
    var err = new Error('too big');
    err.tooBig = true;
    return err;
  }

  // explain turns a failure into a sentence for the user: never the
  // server's field names or byte counts.
  function explain(err) {
    var d = root.dataset;
    if (err.tooBig || (err.fields && err.fields.size) || err.status === 413) return d.msgTooBig;
    if (err.status === 401 || err.status === 403) return d.msgExpired;
    var fields = err.fields ? Object.keys(err.fields).map(function (k) { return err.fields[k]; }) : [];
    if (fields.length) return fields.join('; ');
    return d.msgRefused;
  }

  // fail shows the red state: the bar and the message in the error colour,
  // announced, and a button to go on (another file after "too big",
  // otherwise the same file again, resuming what the server already has).
  function fail(err) {
    if (!st) return;
    st.failed = true;
    abortLocal();
    pauseBtn.hidden = resumeBtn.hidden = true;
    panel.classList.add('failed');
    say('');
    errorEl.textContent = root.dataset.msgError + ' ' + explain(err || {});
    errorEl.hidden = false;
    var again = !(err && (err.tooBig || (err.fields && err.fields.size) || err.status === 413));
    retryBtn.textContent = again ? root.dataset.msgRetryBtn : root.dataset.msgChooseOther;
    retryBtn.dataset.action = again ? 'retry' : 'choose';
    retryBtn.hidden = false;
  }

  function abortLocal() {
    Object.keys(st.inflight).forEach(function (n) {
      var x = st.inflight[n];
      x.onabort = null;
      x.abort();
      st.todo.unshift(Number(n));
    });
    st.inflight = {};
    st.loaded = {};
  }

  pauseBtn.addEventListener('click', function () {
    if (!st || st.finished) return;
    st.paused = true;
    Object.keys(st.inflight).forEach(function (n) { st.inflight[n].abort(); });
    pauseBtn.hidden = true;
    resumeBtn.hidden = false;
    resumeBtn.focus();
    say(root.dataset.msgPaused);
  });
  resumeBtn.addEventListener('click', function () {
    if (!st) return;
    st.paused = false;
    st.samples = [];
    resumeBtn.hidden = true;
    pauseBtn.hidden = false;
    pauseBtn.focus();
    pump();
  });
  retryBtn.addEventListener('click', function () {
    if (retryBtn.dataset.action === 'choose' || !st) {
      input.value = '';
      input.focus();
      input.click();
      return;
    }
    start(st.file);
  });
  cancelBtn.addEventListener('click', function () {
    if (!st) return;
    var u = st.up, key = st.key;
    st.paused = true;
    abortLocal();
    st = null;
    store(key, null);
    panel.hidden = true;
    input.value = '';
    if (u) api('DELETE', '/teach/uploads/' + encodeURIComponent(u.id)).catch(function () {});
  });

  input.addEventListener('change', function () { if (input.files && input.files[0]) start(input.files[0]); });
  ['dragenter', 'dragover'].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove('over'); });
  });
  drop.addEventListener('drop', function (e) {
    var f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) start(f);
  });
}());
