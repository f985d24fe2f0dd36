# The book build (make book). Included by the top-level Makefile; see book/AUTHORING.md.
#
#   make book        release the assignments, build _build/html (warnings are errors)
#   make browser     install Chromium for the browser tests when missing (root + apt-get)
#
# Steps of `make book`:
#   1. the virtual environment ($(STAMP), top-level Makefile);
#   2. MathJax 3.2.2 from npm, copied into book/_static/mathjax (git-ignored), so that
#      math renders offline and the site loads nothing from a CDN;
#   3. tools/release_assignments.py: `nbgrader generate_assignment` for every assignment
#      under assignments/source (only those whose release is out of date);
#   4. jupyter-book build, with -W -n --keep-going: any warning, failing cell or broken
#      reference fails the build. Chapters run through the execution cache, so a
#      rebuild with nothing changed re-runs nothing. The cache knows only a chapter's
#      own code: when lecture7 or the environment changes, $(BOOK_LIBSTAMP) clears it
#      (and Sphinx's saved state), so every chapter runs again against the new library;
#   5. the translations (mk/i18n.mk): _build/html/ko, from the same execution cache.

MATHJAX_VERSION := 3.2.2
MATHJAX := book/_static/mathjax/tex-mml-chtml.js
BOOK_HTML := _build/html
BOOK_LIBSTAMP := _build/.lecture7-sources
# (the grading package is not used by the chapters: a change there re-runs none of them)
LECTURE7_SOURCES := $(shell find lecture7 -name '*.py' -not -path '*/__pycache__/*' -not -path 'lecture7/grading/*' 2>/dev/null)

.PHONY: book book-assignments browser

book: $(STAMP) $(MATHJAX) $(BOOK_LIBSTAMP) book-assignments
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going || exit 1; \
	$(MAKE) --no-print-directory book-translations || exit 1; \
	echo "Built in $$(( $$(date +%s) - start )) s. The book is in $(BOOK_HTML): open $(BOOK_HTML)/index.html"

$(BOOK_LIBSTAMP): $(LECTURE7_SOURCES) $(STAMP)
	@if [ -d _build/.jupyter_cache ]; then \
		echo "lecture7 or the environment changed: every chapter will run again"; fi
	rm -rf _build/.jupyter_cache _build/.doctrees
	@mkdir -p _build && touch $@

book-assignments: $(STAMP)
	$(BIN)/python tools/release_assignments.py --course assignments

# MathJax's es5 build minus what a tex-mml-chtml page never loads (the other combined
# bundles, the SVG output, the node entry point).
$(MATHJAX):
	npm install --prefix . --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
		mathjax@$(MATHJAX_VERSION)
	rm -rf book/_static/mathjax && mkdir -p book/_static/mathjax/output
	cd node_modules/mathjax/es5 && cp -r tex-mml-chtml.js a11y adaptors input sre ui \
		$(CURDIR)/book/_static/mathjax/ && cp -r output/chtml output/chtml.js \
		$(CURDIR)/book/_static/mathjax/output/
	@test -f $@

# The browser tests (tests/book/test_browser.py) drive Chromium; they fail under CI=true
# when it is missing, and skip elsewhere.
browser:
	@$(call apt-install,command -v chromium || command -v chromium-browser,chromium,the browser)
