// Small enhancements; every page works without them.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function ready(fn) {
    if (document.readyState !== 'loading') fn(); else document.addEventListener('DOMContentLoaded', fn);
  }

  ready(function () {
    // Times are rendered in UTC; show them in the reader's time zone.
    document.querySelectorAll('time[datetime]').forEach(function (el) {
      var d = new Date(el.getAttribute('datetime'));
      if (isNaN(d)) return;
      if (el.dataset.kind === 'date') return;
      var pad = function (n) { return (n < 10 ? '0' : '') + n; };
      el.title = el.textContent;
      el.textContent = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
        pad(d.getHours()) + ':' + pad(d.getMinutes());
    });

    // datetime-local inputs are in local time: tell the server the offset.
    document.querySelectorAll('input[data-tz-offset]').forEach(function (el) {
      el.value = String(new Date().getTimezoneOffset());
    });

    // Ask before destructive actions.
    document.querySelectorAll('form[data-confirm]').forEach(function (f) {
      f.addEventListener('submit', function (e) {
        if (!window.confirm(f.dataset.confirm)) e.preventDefault();
      });
    });

    document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
      s.addEventListener('change', function () { s.form.submit(); });
    });

    document.querySelectorAll('input[data-select-on-focus]').forEach(function (i) {
      i.addEventListener('focus', function () { i.select(); });
    });

    // File fields: upload through the attachment flow (announce, then PUT
    // the bytes to the signed URL), keeping only the attachment id in the form.
    document.querySelectorAll('input[type=file][data-upload-for]').forEach(function (input) {
      var api = input.dataset.uploadFor;
      var list = document.querySelector('ul[data-files-for="' + api + '"]');
      var status = document.querySelector('[data-status-for="' + api + '"]');
      var form = input.form;
      var pending = 0;
      input.addEventListener('change', function () {
        Array.prototype.forEach.call(input.files, function (file) { upload(file); });
        input.value = '';
      });
      function say(text) { if (status) status.textContent = text; }
      function upload(file) {
        pending++;
        setBusy();
        say('Uploading ' + file.name + '…');
        var type = file.type || 'application/octet-stream';
        var body = new URLSearchParams({ filename: file.name, content_type: type, size: String(file.size) });
        fetch('/app/attachments', { method: 'POST', body: body, credentials: 'same-origin',
          headers: { 'X-CSRF-Token': csrf } })
          .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || 'refused'); return j; }); })
          .then(function (slot) {
            return fetch(slot.file_upload_url, { method: 'PUT', body: file, headers: { 'Content-Type': type } })
              .then(function (r) { if (!r.ok) throw new Error('upload failed (' + r.status + ')'); return slot; });
          })
          .then(function (slot) {
            var li = document.createElement('li');
            var label = document.createElement('label');
            var cb = document.createElement('input');
            cb.type = 'checkbox'; cb.name = input.dataset.fieldName; cb.value = String(slot.id); cb.checked = true;
            label.appendChild(cb);
            label.appendChild(document.createTextNode(' keep '));
            li.appendChild(label);
            var a = document.createElement('a');
            a.href = '/app/files/' + slot.id; a.textContent = file.name;
            li.appendChild(a);
            list.appendChild(li);
            say(file.name + ' uploaded.');
          })
          .catch(function (err) { say(file.name + ': ' + err.message); })
          .then(function () { pending--; setBusy(); });
      }
      function setBusy() {
        form.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = pending > 0; });
      }
    });
  });
})();
