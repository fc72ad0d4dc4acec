(function () {
  "use strict";
  var audio = document.getElementById("audio");
  var play = document.getElementById("play");
  var seek = document.getElementById("seek");
  var elapsed = document.getElementById("elapsed");
  var caption = document.getElementById("caption");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("#chapters button"));
  var starts = buttons.map(function (b) { return parseFloat(b.dataset.start); });

  function clock(seconds) {
    var s = Math.floor(seconds), m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function showPlaying(playing) {
    play.querySelector(".icon").textContent = playing ? "❚❚" : "▶";
    var label = playing ? play.dataset.pause : play.dataset.play;  // in the page's language
    play.querySelector(".label").textContent = label;
    play.setAttribute("aria-label", label);
  }

  function highlight() {
    var current = -1;
    for (var i = 0; i < starts.length; i++) { if (audio.currentTime + 0.05 >= starts[i]) current = i; }
    buttons.forEach(function (button, i) {
      if (i === current) { button.setAttribute("aria-current", "true"); }
      else { button.removeAttribute("aria-current"); }
    });
  }

  play.addEventListener("click", function () {
    if (audio.paused) { audio.play(); } else { audio.pause(); }
  });
  audio.addEventListener("play", function () { showPlaying(true); });
  audio.addEventListener("pause", function () { showPlaying(false); });
  audio.addEventListener("timeupdate", function () {
    seek.value = Math.floor(audio.currentTime);
    elapsed.textContent = clock(audio.currentTime);
    highlight();
  });
  audio.addEventListener("seeked", highlight);
  seek.addEventListener("input", function () { audio.currentTime = parseFloat(seek.value); });
  buttons.forEach(function (button, i) {
    button.addEventListener("click", function () {
      audio.currentTime = starts[i];
      highlight();
      if (audio.paused) { audio.play().catch(function () {}); }
    });
  });

  // The transcript as a captions track, shown line by line. Browsers refuse text tracks from
  // file:// pages, where the transcript below the chapters is there to read instead.
  if (location.protocol !== "file:" && audio.dataset.captions) {
    var track = document.createElement("track");
    track.kind = "captions";
    track.label = audio.dataset.captionsLabel;
    track.srclang = document.documentElement.lang;
    track.src = audio.dataset.captions;
    track.default = true;
    audio.appendChild(track);
    track.track.mode = "hidden";
    track.addEventListener("cuechange", function () {
      var cues = track.track.activeCues;
      if (cues && cues.length) { caption.textContent = cues[cues.length - 1].text; }
    });
  }
})();
