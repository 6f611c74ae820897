/* Signature pad for the window (pointer events: finger, stylus and mouse alike).
 *
 * The strokes are drawn on a canvas sized in device pixels; on "attest and seal" the PNG
 * of the canvas is sent with the clerk's attestation. The server binds the image by its
 * SHA-256 into the window attestation that the organ seals.
 */
(function () {
  'use strict';

  var form = document.getElementById('pad-form');
  if (!form) { return; }
  var canvas = document.getElementById('pad');
  var ctx = canvas.getContext('2d');
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var T = JSON.parse(document.getElementById('gz-text').textContent);
  var errorBox = document.getElementById('pad-error');
  var button = document.getElementById('seal');
  var drawing = false;
  var strokes = 0;

  function fit() {
    var ratio = window.devicePixelRatio || 1;
    var box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#111';
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, box.width, box.height);
    strokes = 0;
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  canvas.addEventListener('pointerdown', function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(p.x + 0.1, p.y + 0.1);
    ctx.stroke();
  });
  canvas.addEventListener('pointermove', function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    var p = point(event);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
  });
  function end(event) {
    if (!drawing) { return; }
    drawing = false;
    strokes += 1;
    canvas.releasePointerCapture(event.pointerId);
  }
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  document.getElementById('pad-clear').addEventListener('click', fit);

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    if (strokes === 0) {
      errorBox.hidden = false;
      errorBox.textContent = T.pad_empty;
      return;
    }
    button.disabled = true;
    var caseNo = form.getAttribute('data-case');
    fetch('/window/api/cases/' + encodeURIComponent(caseNo) + '/handwritten', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({
        image: canvas.toDataURL('image/png').split(',')[1],
        attested: document.getElementById('attest').checked
      })
    }).then(function (resp) {
      return resp.json().then(function (doc) {
        if (!resp.ok) {
          var lang = document.documentElement.lang === 'en' ? 'detail' : 'title';
          throw new Error((doc[lang] || resp.status) + ' [' + (doc.code || resp.status) + ']');
        }
        window.location.assign(doc.done);
      });
    }).catch(function (err) {
      errorBox.hidden = false;
      errorBox.textContent = err.message;
      button.disabled = false;
    });
  });

  fit();
}());
