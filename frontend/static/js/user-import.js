// The user import page with a progress bar: the form is sent by fetch
// with a job id, the job's progress (kept in the store, so any instance
// answers) is polled while the server works, and the report part of the
// answer replaces the page's. Without this script the form posts as is.
(function () {
  'use strict';
  var form = document.getElementById('import-form');
  var result = document.getElementById('import-result');
  if (!form || !result || !window.fetch || !window.FormData || !window.DOMParser) return;
  var box = document.getElementById('import-progress');
  var bar = box.querySelector('progress');
  var text = document.getElementById('import-progress-text');
  var csrf = form.dataset.csrf;
  var busy = false;

  function fmt(s, a, b) { return s.replace('%s', a).replace('%s', b); }
  function show(done, total) {
    if (total > 0) {
      bar.value = Math.round(100 * done / total);
      text.textContent = fmt(form.dataset.msgProgress, done.toLocaleString(document.documentElement.lang), total.toLocaleString(document.documentElement.lang));
    }
  }
  function post(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf, 'Accept': 'text/html' }, body: body });
  }

  form.addEventListener('submit', function (ev) {
    var file = form.querySelector('input[type=file]');
    if (busy || !file.files.length) return; // the browser says the file is required
    ev.preventDefault();
    busy = true;
    var mode = (ev.submitter && ev.submitter.value) || 'preview';
    var buttons = form.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    box.hidden = false;
    bar.removeAttribute('value'); // indeterminate while the file goes up
    text.textContent = form.dataset.msgReading;
    var timer = null;
    function finish() {
      busy = false;
      clearTimeout(timer);
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    }
    post('/admin/users/import/jobs', null)
      .then(function (r) { return r.ok ? r.json() : { id: '' }; })
      .catch(function () { return { id: '' }; })
      .then(function (job) {
        var stopped = false;
        function poll() {
          if (stopped || !job.id) return;
          fetch('/admin/users/import/jobs/' + encodeURIComponent(job.id), { credentials: 'same-origin' })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (j) { if (j && !stopped) show(j.done, j.total); })
            .catch(function () {})
            .then(function () { if (!stopped) timer = setTimeout(poll, 400); });
        }
        timer = setTimeout(poll, 400);
        var fd = new FormData(form);
        fd.set('job', job.id || '');
        fd.delete('mode');
        fd.append('mode', mode);
        return post('/admin/users/import', fd).then(function (r) {
          return r.text().then(function (body) {
            stopped = true;
            var doc = new DOMParser().parseFromString(body, 'text/html');
            var fresh = doc.getElementById('import-result');
            if (fresh) {
              result.innerHTML = fresh.innerHTML;
              bar.value = 100;
              text.textContent = '';
              box.hidden = true;
            } else {
              var msg = doc.querySelector('main') ? doc.querySelector('main').textContent.trim() : '';
              try { msg = JSON.parse(body).error.message; } catch (e) {}
              result.innerHTML = '';
              var p = document.createElement('p');
              p.className = 'status-box err';
              p.setAttribute('role', 'alert');
              p.textContent = msg || form.dataset.msgFailed;
              result.appendChild(p);
              box.hidden = true;
            }
            result.focus();
          });
        });
      })
      .catch(function () {
        text.textContent = form.dataset.msgFailed;
      })
      .then(finish, finish);
  });
}());
