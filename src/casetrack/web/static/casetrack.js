/* casetrack dashboard: the dashboard's own script. Nothing is needed at present: a refused form is
   answered by the server with a redirect (303) to the case page, which shows the refusal once, so the
   address bar never keeps a form's URL and a reload sends nothing. Every page works without script. */
