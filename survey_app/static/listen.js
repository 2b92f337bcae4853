// "Lyssna": reads a question and its answer options aloud with the browser's own speech
// synthesis, in the page's language. The buttons stay hidden where the browser has no voice
// for that language (Somali and Tigrinya voices are rare) or no speech synthesis at all.
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) {
    return;
  }
  var lang = document.documentElement.lang.split("-x-")[0].toLowerCase();

  function voiceLang() {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i += 1) {
      if (voices[i].lang && voices[i].lang.toLowerCase().split(/[-_]/)[0] === lang) {
        return voices[i].lang;
      }
    }
    return null;
  }

  function say(text, language) {
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = language;
    window.speechSynthesis.speak(utterance);
  }

  function enable() {
    var language = voiceLang();
    if (!language) {
      return;
    }
    document.querySelectorAll("button[data-listen]").forEach(function (button) {
      button.hidden = false;
      button.onclick = function () {
        say(button.getAttribute("data-listen"), language);
      };
    });
  }

  enable();
  if (window.speechSynthesis.addEventListener) {
    window.speechSynthesis.addEventListener("voiceschanged", enable);
  }
})();
