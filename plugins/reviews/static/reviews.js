// The review form's photo pickers: say how many photos are chosen, in the page's language
// (the texts are the span's data-none / data-some attributes; "{n}" is the count).
document.querySelectorAll("[data-photo-input]").forEach((input) => {
  const count = document.getElementById(input.dataset.photoInput);
  if (!count) return;
  const show = () => {
    const n = input.files ? input.files.length : 0;
    count.textContent = n ? count.dataset.some.replace("{n}", n) : count.dataset.none;
    count.classList.toggle("field-error", n > Number(input.dataset.max || 6));
  };
  input.addEventListener("change", show);
  show();
});
