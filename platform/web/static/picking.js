// The picking screen: every scan goes to the server, which checks it against the pick list
// (POST /console/picking/{id}/scan); this script only sends it and shows the answer.
// A USB scanner types the code and presses Enter; a phone camera is read with the
// browser's BarcodeDetector where it exists.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  var screen = document.querySelector("[data-pick-screen]");
  if (!screen) return;
  var form = screen.querySelector("[data-scan-form]");
  var input = form.querySelector("#f-scan");
  var lot = form.querySelector("#f-lot");
  var message = form.querySelector("[data-message]");
  var busy = false;
  var audio = null;

  // A short tone: high for a good scan, low and long for a refused one.
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = ok ? 1320 : 220;
      osc.type = ok ? "sine" : "square";
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (ok ? 0.08 : 0.45));
    } catch (e) { /* no sound on this device: the message still shows */ }
  }

  function show(text, ok) {
    message.textContent = text;
    message.className = "scan-message " + (ok ? "is-ok" : "is-refused");
    form.classList.toggle("is-refused", !ok);
  }

  function applyCounted(body) {
    (body.lines || []).forEach(function (line) {
      var row = screen.querySelector('[data-line="' + line.id + '"]');
      if (!row) return;
      row.querySelector("[data-picked]").textContent = line.picked;
      row.classList.toggle("is-done", line.picked >= line.quantity);
    });
    var chip = screen.querySelector('[data-order-chip="' + body.order_number + '"]');
    if (chip && body.order_complete) chip.classList.add("is-done");
    if (body.order_complete && !screen.querySelector('[data-pack="' + body.order_number + '"]')) {
      var link = document.createElement("a");
      link.className = "btn btn-primary";
      link.href = "/console/picking/pack/" + encodeURIComponent(body.order_number);
      link.setAttribute("data-pack", body.order_number);
      link.textContent = screen.dataset.doneText + " · " + body.order_number;
      screen.querySelector("[data-pack-links]").appendChild(link);
    }
    if (body.list_complete) show(screen.dataset.listDoneText, true);
  }

  function send(code) {
    if (!code || busy) return;
    busy = true;
    fetch("/console/picking/" + screen.dataset.list + "/scan", {
      method: "POST",
      credentials: "same-origin",
      headers: {"content-type": "application/json", "x-csrftoken": form.querySelector("[name=_csrf_token]").value},
      body: JSON.stringify({code: code, lot_code: lot.value.trim(),
                            order_number: form.dataset.order || null})
    }).then(function (response) {
      return response.json().then(function (body) { return [response.ok, body]; });
    }).then(function (result) {
      var ok = result[0], body = result[1];
      show(body.message || "", ok);
      beep(ok);
      if (ok) applyCounted(body);
    }).catch(function () {
      show(message.dataset.offline || "—", false);
      beep(false);
    }).finally(function () {
      busy = false;
      input.value = "";
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value.trim());
  });
  // A form with two fields and no submit button does not submit on Enter by itself, and
  // the scanner's Enter must send the scan from either field.
  [input, lot].forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      send(input.value.trim());
    });
  });

  // The camera: BarcodeDetector reads EAN/UPC/Code 128 from the video, one code a second.
  var video = form.querySelector("[data-video]");
  form.querySelector("[data-camera]").addEventListener("click", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      show(screen.dataset.cameraMissing, false);
      return;
    }
    var detector = new window.BarcodeDetector({formats: ["ean_13", "ean_8", "code_128",
                                                         "upc_a", "qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}})
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var last = "", lastAt = 0;
        (function look() {
          detector.detect(video).then(function (codes) {
            var now = Date.now();
            if (codes.length && (codes[0].rawValue !== last || now - lastAt > 1500)) {
              last = codes[0].rawValue;
              lastAt = now;
              send(last);
            }
          }).finally(function () { setTimeout(look, 250); });
        })();
      }).catch(function () { show(screen.dataset.cameraMissing, false); });
  });
})();
