# The translated editions of the book (Korean: _build/html/ko). Included by the
# top-level Makefile; the translators' guide is book/locales/README.md.
#
#   make book                 also builds every language of BOOK_LANGUAGES (book.mk calls
#                             book-translations after the English site)
#   make book I18N_STRICT=1   ... and fails while anything is left to translate (release)
#   make translations         update book/locales/<lang>/ from the English (sphinx-intl),
#                             then list what is left to translate
#   make browser              also installs the Korean fonts the browser tests need
#
# Each language is its own Sphinx build (tools/i18n.py build): gettext templates from the
# English pages, the committed translations merged with them in _build/locales (fuzzy
# where the English changed), then _build/<lang>/html, published to _build/html/<lang>.
# It reuses the English build's execution cache and fails if it had to run a notebook.

BOOK_LANGUAGES := ko
I18N_STRICT ?=

.PHONY: book-translations translations translation-status korean-fonts

book-translations: $(STAMP)
	@for lang in $(BOOK_LANGUAGES); do \
		$(BIN)/python tools/i18n.py build -l $$lang $(if $(I18N_STRICT),--strict) || exit 1; \
	done

translations: $(STAMP)
	@for lang in $(BOOK_LANGUAGES); do $(BIN)/python tools/i18n.py update -l $$lang || exit 1; \
		$(BIN)/python tools/i18n.py status -l $$lang || exit 1; done

translation-status: $(STAMP)
	@for lang in $(BOOK_LANGUAGES); do $(BIN)/python tools/i18n.py status -l $$lang || exit 1; done

# Hangul in the screenshots of the browser tests: Chromium needs a font with Korean
# glyphs (Debian's Noto CJK), installed the way `make browser` installs Chromium.
browser: korean-fonts

korean-fonts:
	@$(call apt-install,fc-list :lang=ko family | grep -q .,fontconfig fonts-noto-cjk,Korean pages in the browser)
