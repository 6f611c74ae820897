/* Signing on the applicant's device (gaozhi-sdk /apply/ pages).
 *
 * 1. real-name authentication through the platform's identity provider (server side);
 * 2. an ECDSA P-256 key pair made here with WebCrypto, the private key NOT extractable;
 * 3. event certificate: the CA's challenge is signed with the new key (proof of
 *    possession) and the CA certifies the public key for a few minutes;
 * 4. the exact bytes to sign (DSSE PAE of the pledge, or of the special authorisation
 *    the applicant gives a proxy) are signed here;
 * 5. the raw r||s signature is submitted; the server assembles and checks the bundle.
 * The private key never leaves this page.
 */
(function () {
  'use strict';

  var form = document.getElementById('sign-form');
  if (!form) { return; }
  var caseNo = form.getAttribute('data-case');
  /* '' signs the pledge; 'grant/' the special authorisation the applicant gives a proxy */
  var purpose = form.getAttribute('data-api') === 'grant/' ? 'grant/' : '';
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var T = JSON.parse(document.getElementById('gz-text').textContent);
  var button = document.getElementById('sign-start');
  var statusBox = document.getElementById('sign-status');
  var errorBox = document.getElementById('sign-error');
  var ECDSA = { name: 'ECDSA', hash: { name: 'SHA-256' } };

  function toB64(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = '';
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }

  function fromB64(text) {
    var s = atob(text);
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { out[i] = s.charCodeAt(i); }
    return out;
  }

  function mark(step, state) {
    var li = document.getElementById(step);
    li.setAttribute('data-state', state);
    li.querySelector('.state').textContent = T[state];
    statusBox.textContent = li.querySelector('.label').textContent + ': ' + T[state];
  }

  function api(step, body) {
    return fetch('/apply/api/cases/' + encodeURIComponent(caseNo) + '/' + purpose + step, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.json().then(function (doc) {
        if (!resp.ok) {
          var lang = document.documentElement.lang === 'en' ? 'detail' : 'title';
          var err = new Error((doc[lang] || doc.title || resp.status) + ' [' + (doc.code || resp.status) + ']');
          err.code = doc.code;
          throw err;
        }
        return doc;
      });
    });
  }

  /* SMS code: show the code box and wait for the applicant to submit it. */
  function askCode(hint) {
    var box = document.getElementById('code-box');
    var input = document.getElementById('sms-code');
    document.getElementById('code-hint').textContent = hint || '';
    box.hidden = false;
    input.focus();
    return new Promise(function (resolve) {
      document.getElementById('code-submit').addEventListener('click', function handler() {
        this.removeEventListener('click', handler);
        box.hidden = true;
        resolve(input.value.trim());
      });
    });
  }

  function fail(step, err) {
    mark(step, 'failed');
    errorBox.hidden = false;
    errorBox.textContent = err.message;
    errorBox.setAttribute('data-code', err.code || '');
    button.disabled = false;
  }

  async function run() {
    var step = 's_auth';
    var keys;
    var spki;
    errorBox.hidden = true;
    button.disabled = true;
    try {
      mark(step, 'running');
      var started = await api('authenticate', { method: document.getElementById('auth-method').value });
      var code = started.needs_code ? await askCode(started.instructions) : '';
      await api('authenticate/finish', { code: code });
      mark(step, 'done');

      step = 's_key';
      mark(step, 'running');
      keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      spki = toB64(await crypto.subtle.exportKey('spki', keys.publicKey));
      mark(step, 'done');

      step = 's_cert';
      mark(step, 'running');
      var challenge = await api('challenge', { public_key: spki });
      var pop = await crypto.subtle.sign(ECDSA, keys.privateKey, fromB64(challenge.challenge));
      await api('certificate', { public_key: spki, challenge_signature: toB64(pop) });
      mark(step, 'done');

      step = 's_sign';
      mark(step, 'running');
      var dts = await api('data-to-sign', {});
      var signature = await crypto.subtle.sign(ECDSA, keys.privateKey, fromB64(dts.pae));
      mark(step, 'done');

      step = 's_submit';
      mark(step, 'running');
      var done = await api('signature', { session_id: dts.session_id, signature: toB64(signature) });
      mark(step, 'done');
      window.location.assign(done.receipt);
    } catch (err) {
      fail(step, err);
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!window.crypto || !window.crypto.subtle) {
      errorBox.hidden = false;
      errorBox.textContent = T.no_webcrypto;
      return;
    }
    run();
  });
}());
