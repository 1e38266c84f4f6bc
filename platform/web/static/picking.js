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

  // Scans wait in line: a scanner that reads the next code while the last is being
  // checked types into an emptied field, and each code is checked in the order read.
  var queue = [];

  function send(code) {
    if (!code) return;
    queue.push(code);
    if (!busy) next();
  }

  function next() {
    var code = queue.shift();
    if (code === undefined) return;
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
      input.focus();
      next();
    });
  }

  function take() {
    var code = input.value.trim();
    input.value = "";
    return code;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(take());
  });
  // A form with two fields and no submit button does not submit on Enter by itself, and
  // the scanner's Enter must send the scan from either field.
  [input, lot].forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      send(take());
    });
  });

  // The camera: the browser's BarcodeDetector where it has one, else the vendored ZXing
  // decoder (/static/vendor/zxing, loaded only when asked for). A code read twice within
  // 1.5 s is one scan.
  var video = form.querySelector("[data-video]");
  var last = "", lastAt = 0;
  function seen(code) {
    var now = Date.now();
    if (!code || (code === last && now - lastAt < 1500)) return;
    last = code;
    lastAt = now;
    send(code);
  }

  function withDetector(stream) {
    var detector = new window.BarcodeDetector({formats: ["ean_13", "ean_8", "code_128",
                                                         "upc_a", "qr_code"]});
    video.srcObject = stream;
    video.hidden = false;
    video.play();
    (function look() {
      detector.detect(video).then(function (codes) {
        if (codes.length) seen(codes[0].rawValue);
      }).finally(function () { setTimeout(look, 250); });
    })();
  }

  function withZxing() {
    var script = document.createElement("script");
    script.src = screen.dataset.zxing;
    script.onload = function () {
      var reader = new window.ZXing.BrowserMultiFormatReader();
      video.hidden = false;
      reader.decodeFromConstraints({video: {facingMode: "environment"}}, video,
        function (result) { if (result) seen(result.getText()); })
        .catch(function () { show(screen.dataset.cameraMissing, false); });
    };
    script.onerror = function () { show(screen.dataset.cameraMissing, false); };
    document.head.appendChild(script);
  }

  form.querySelector("[data-camera]").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show(screen.dataset.cameraMissing, false);
      return;
    }
    if (!("BarcodeDetector" in window)) {
      withZxing();
      return;
    }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}})
      .then(withDetector)
      .catch(function () { show(screen.dataset.cameraMissing, false); });
  });
})();
