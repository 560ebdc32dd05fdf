/* Progressive enhancement only: the pages work without this file.
   1. Photos are reduced in the browser (longest side <= 1600 px, JPEG) before they are sent.
   2. "Scan with the camera" decodes QR, GS1-128 and DataMatrix live: the browser's BarcodeDetector
      where it reads all three, otherwise the vendored ZXing WebAssembly reader, loaded on first use. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var TARGET_BYTES = 300 * 1024;
  var FORMATS = ["qr_code", "code_128", "data_matrix"];

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  /* The photo, at most MAX_SIDE pixels a side, as a JPEG of at most TARGET_BYTES where possible. */
  function reduce(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) { bitmap.close(); }
      var qualities = [0.85, 0.75, 0.65, 0.55];
      function attempt(i) {
        return toJpeg(canvas, qualities[i]).then(function (blob) {
          if (blob && blob.size > TARGET_BYTES && i + 1 < qualities.length) { return attempt(i + 1); }
          return blob;
        });
      }
      return attempt(0);
    });
  }

  function photoForm(form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    if (!input || !button) { return; }
    function stage(value, message) {
      if (bar) { bar.hidden = false; bar.value = value; }
      if (status) { status.textContent = message || ""; }
    }
    function send() {
      stage(80, form.dataset.msgSending);
      form.submit();
    }
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) { return; }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      var file = input.files[0];
      if (!window.createImageBitmap || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) {
        send();
        return;
      }
      stage(20, form.dataset.msgReducing);
      reduce(file).then(function (blob) {
        if (blob && blob.size < file.size) {
          var box = new DataTransfer();
          box.items.add(new File([blob], "photo.jpg", { type: "image/jpeg" }));
          input.files = box.files;
        }
        send();
      }, send);
    });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function wasmDecoder(box) {
    return loadScript(box.dataset.decoderJs).then(function () {
      var zxing = window.ZXingWASM;
      var wasm = box.dataset.decoderWasm;
      return zxing.prepareZXingModule({
        overrides: { locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; } },
        fireImmediately: true
      }).then(function () {
        var canvas = document.createElement("canvas");
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        var options = { formats: ["QRCode", "DataMatrix", "Code128"], tryHarder: true, textMode: "HRI", maxNumberOfSymbols: 1 };
        return {
          name: "wasm",
          detect: function (video) {
            var w = video.videoWidth, h = video.videoHeight;
            if (!w || !h) { return Promise.resolve([]); }
            canvas.width = w;
            canvas.height = h;
            ctx.drawImage(video, 0, 0, w, h);
            return zxing.readBarcodes(ctx.getImageData(0, 0, w, h), options).then(function (results) {
              return results.filter(function (r) { return r.isValid; }).map(function (r) { return r.text; });
            });
          }
        };
      });
    });
  }

  function decoder(box) {
    if (!("BarcodeDetector" in window)) { return wasmDecoder(box); }
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var all = FORMATS.every(function (f) { return supported.indexOf(f) >= 0; });
      if (!all) { return wasmDecoder(box); }
      var native = new window.BarcodeDetector({ formats: FORMATS });
      return {
        name: "native",
        detect: function (video) {
          return native.detect(video).then(function (found) {
            return found.map(function (b) { return b.rawValue; });
          });
        }
      };
    }, function () { return wasmDecoder(box); });
  }

  function liveScan(box) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.Promise) { return; }
    var start = box.querySelector("[data-testid=camera-button]");
    var stop = box.querySelector("[data-testid=camera-stop]");
    var video = box.querySelector("video");
    var frame = box.querySelector(".viewfinder");
    var status = box.querySelector("[role=status]");
    var stream = null, timer = null, reader = null;
    box.hidden = false;
    function say(key) { status.textContent = box.dataset[key] || ""; }
    function close() {
      var refocus = document.activeElement === stop;
      if (timer) { clearTimeout(timer); }
      timer = null;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.srcObject = null;
      frame.hidden = true;
      stop.hidden = true;
      start.hidden = false;
      start.removeAttribute("aria-busy");
      if (refocus) { start.focus(); }
    }
    function tick() {
      if (!stream) { return; }
      reader.detect(video).then(function (texts) {
        var text = texts.filter(Boolean)[0];
        if (text && stream) {
          say("msgFound");
          close();
          window.location.assign(box.dataset.verify + "?q=" + encodeURIComponent(text));
          return;
        }
        timer = setTimeout(tick, 150);
      }, function () { timer = setTimeout(tick, 400); });
    }
    start.addEventListener("click", function () {
      start.setAttribute("aria-busy", "true");
      say("msgStarting");
      var camera = navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false
      });
      Promise.all([camera, decoder(box)]).then(function (ready) {
        stream = ready[0];
        reader = ready[1];
        box.dataset.decoder = reader.name;
        video.srcObject = stream;
        frame.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        stop.focus();  // the button that was pressed is gone: keep the keyboard on the scanner
        return video.play();
      }).then(function () {
        say("msgLooking");
        tick();
      }).catch(function () {
        camera.then(function (s) { s.getTracks().forEach(function (t) { t.stop(); }); }, function () {});
        close();
        say("msgDenied");
      });
    });
    stop.addEventListener("click", function () { close(); say(""); });
    window.addEventListener("pagehide", close);
  }

  var form = document.querySelector("[data-testid=scan-form]");
  if (form) { photoForm(form); }
  var box = document.querySelector("[data-testid=live-scan]");
  if (box) { liveScan(box); }
})();
