/**
 * Contact sections of the editable pages (views/cms/_contact.ejs). Their page
 * may come from the page cache, which cannot hold a CSRF token (a token is
 * one visitor's session's), so the form's `_csrf` field is empty. On submit,
 * this fetches the contact page (never cached: it opens the visitor's session
 * and carries its token), copies that token into the form and sends it: the
 * visitor sends once. Without JavaScript, or when the fetch fails, the form
 * goes without a token and the contact page shows it again with what was
 * typed, to be sent from there (src/http/stale-form.ts).
 */
(function () {
  'use strict';
  var forms = document.querySelectorAll('form[data-contact-section]');
  Array.prototype.forEach.call(forms, function (form) {
    var sending = false;
    form.addEventListener('submit', function (event) {
      var field = form.querySelector('input[name="_csrf"]');
      if (!field || field.value || !window.fetch || !window.DOMParser) return;
      event.preventDefault();
      if (sending) return;
      sending = true;
      fetch('/contact', { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (res) { return res.text(); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, 'text/html');
          var token = page.querySelector('form[action="/contact"] input[name="_csrf"]');
          field.value = token ? token.value : '';
        })
        .catch(function () { /* sent without a token: the contact page takes over */ })
        .then(function () { form.submit(); });
    });
  });
})();
