// The page of nngen's browser demo: a drawing pad whose pixels go, once an animation frame while
// one draws, to nngen.predict (main.wasm, examples/wasm/main.go), and the ten probabilities it
// returns, drawn as bars. window.demo holds the page's state for the browser test
// (examples/wasm/serve/browser_test.go).
"use strict";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const brush = pad.width / 14; // 20 pixels on 280: MNIST's strokes, 2 pixels of 20
const digitEl = document.getElementById("digit");
const confidenceEl = document.getElementById("confidence");
const timingEl = document.getElementById("timing");
const statusEl = document.getElementById("status");
const seen = document.getElementById("seen").getContext("2d");
const seenImage = seen.createImageData(28, 28);

// demo: drawn counts changes of the drawing, shown the change whose prediction is on the page;
// ms is the time of the last prediction, times those of the last 100.
const demo = { drawn: 0, shown: 0, digit: null, ms: null, times: [] };
window.demo = demo;

const bars = [];
const barList = document.getElementById("bars");
for (let d = 0; d < 10; d++) {
  const li = document.createElement("li");
  li.innerHTML = `<span class="label">${d}</span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
  barList.appendChild(li);
  bars.push({ li, fill: li.querySelector(".fill"), value: li.querySelector(".value") });
}

function clearPad() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  show(null);
  changed();
}

// Drawing: thick round strokes, white on black, from one pointer at a time (mouse, pen or finger).
let pointer = null;
let last = null;

function position(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}

pad.addEventListener("pointerdown", (e) => {
  if (pointer !== null || e.button > 0) return;
  pointer = e.pointerId;
  pad.setPointerCapture(e.pointerId);
  last = position(e);
  ctx.fillStyle = "#fff";
  ctx.beginPath();
  ctx.arc(last.x, last.y, brush / 2, 0, 2 * Math.PI);
  ctx.fill();
  changed();
  e.preventDefault();
});

pad.addEventListener("pointermove", (e) => {
  if (e.pointerId !== pointer) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = brush;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  for (const ev of events.length ? events : [e]) {
    last = position(ev);
    ctx.lineTo(last.x, last.y);
  }
  ctx.stroke();
  changed();
});

function lift(e) {
  if (e.pointerId !== pointer) return;
  pointer = null;
  last = null;
  changed();
}
pad.addEventListener("pointerup", lift);
pad.addEventListener("pointercancel", lift);
document.getElementById("clear").addEventListener("click", clearPad);

// Predicting: at most once an animation frame, on the drawing as it is then.
let frame = 0;
function changed() {
  demo.drawn++;
  if (!frame && window.nngen && nngen.predict) frame = requestAnimationFrame(predict);
}

function predict() {
  frame = 0;
  const drawn = demo.drawn;
  const pixels = ctx.getImageData(0, 0, pad.width, pad.height);
  const t0 = performance.now();
  const p = nngen.predict(pixels.data, pixels.width, pixels.height);
  const ms = performance.now() - t0;
  if (p instanceof Error) throw p;
  show(p, ms);
  demo.shown = drawn;
}

function show(p, ms) {
  const input = window.nngen && nngen.input;
  for (let i = 0; i < 28 * 28; i++) {
    const v = p && input ? input[i] : 0;
    seenImage.data[4 * i] = seenImage.data[4 * i + 1] = seenImage.data[4 * i + 2] = v;
    seenImage.data[4 * i + 3] = 255;
  }
  seen.putImageData(seenImage, 0, 0);
  let best = 0;
  for (let d = 0; d < 10; d++) if (p && p[d] > p[best]) best = d;
  bars.forEach((b, d) => {
    const v = p ? p[d] : 0;
    b.fill.style.width = (100 * v).toFixed(1) + "%";
    b.value.textContent = p ? (100 * v).toFixed(1) + "%" : "";
    b.li.classList.toggle("top", !!p && d === best);
  });
  demo.digit = p ? best : null;
  digitEl.textContent = p ? String(best) : "–";
  confidenceEl.textContent = p ? `${(100 * p[best]).toFixed(1)}% sure` : "draw a digit";
  if (p) {
    demo.ms = ms;
    demo.times.push(ms);
    if (demo.times.length > 100) demo.times.shift();
    const sorted = demo.times.slice().sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    timingEl.textContent = `prediction: ${ms.toFixed(2)} ms · median of the last ${sorted.length}: ${median.toFixed(2)} ms`;
  }
}

// Loading main.wasm.
clearPad();
const started = performance.now();
const go = new Go();
WebAssembly.instantiateStreaming(fetch("main.wasm"), go.importObject)
  .then((result) => {
    go.run(result.instance); // sets window.nngen, then waits for calls
    if (!window.nngen || nngen.error) throw new Error(window.nngen ? nngen.error : "main.wasm did not set window.nngen");
    statusEl.textContent = `ready in ${Math.round(performance.now() - started)} ms · kernels: ${nngen.level}`;
    demo.ready = true;
    changed();
  })
  .catch((err) => {
    statusEl.textContent = `could not start main.wasm: ${err}`;
    demo.error = String(err);
  });
