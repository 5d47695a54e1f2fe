/* casetrack dashboard: after a form is refused, the server shows the case page again (422) at the URL
   the form was sent to. Put the case page's own URL in the address bar instead, so that the page can
   be bookmarked and a reload shows the case rather than sending the form again. Without script the
   page works the same, only the address bar keeps the form's URL. */
(function () {
  var url = document.body && document.body.getAttribute("data-page-url");
  if (url && window.history && history.replaceState) {  /* the same URL too: the entry becomes a GET */
    history.replaceState(null, "", url);
  }
})();
