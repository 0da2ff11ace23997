// Run as the body opens, before it is drawn: GOV.UK Frontend's styles for pages with
// script apply from the first paint. A file, not inline: the CSP allows no inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
