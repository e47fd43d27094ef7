// The hand-off page to the eSign service provider posts itself: the button is there for a
// browser without scripts.
document.getElementById("esign-handoff").submit();
