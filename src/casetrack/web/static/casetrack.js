/* casetrack dashboard. Every page works without script: the case page's forms answer a refusal with a
   redirect (303) to the case page, which shows it once. A form refused on a page of its own (新規案件, the
   record edits) is shown again at the form's URL; put that page's URL in the address bar as a GET entry,
   so that a reload shows the page rather than sending the form again. */
(function () {
  var url = document.body && document.body.getAttribute("data-page-url");
  if (url && window.history && history.replaceState) {  /* the same URL too: the entry becomes a GET */
    history.replaceState(null, "", url);
  }
})();
