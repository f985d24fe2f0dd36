"""nbgrader configuration of the course "Training Neural Networks II".

The course directory is this folder: ``source/<assignment>/`` holds the
instructor's notebooks; ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` are generated here (and never committed).
Run nbgrader from this folder, or use the Makefile targets (``make release``,
``make autograde``, ``make feedback``, ``make export``; see
``book/instructor_guide.md``).

The grading-specific parts come from :mod:`lecture7.grading.nbgrader_ext`,
named as strings so that commands that do not grade never import it.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "lecture7"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# Release: solution regions become stubs; hidden tests are removed (nbgrader's defaults).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde: every cell (and every probe of a test cell) gets at most this many
# seconds; a cell that runs longer is interrupted, gets an error (0 points for a
# test cell) and the run goes on with the next cell.
c.Execute.timeout = int(os.environ.get("LECTURE7_CELL_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True

# Grade cells a student deleted are put back (with a note) and graded.
c.OverwriteCells.add_missing_cells = True

# Sanitizing a submission starts by restoring the nbgrader metadata of every graded
# cell from the gradebook: a student who edits it (a test cell marked as a solution,
# a renamed or duplicated grade_id) gets the released cells back, and no one's
# grading run stops (lecture7.grading.repair).
c.Autograde.sanitize_preprocessors = [
    "lecture7.grading.repair.RepairMetadata",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Every kernel runs in a bubblewrap sandbox (lecture7.grading.sandbox; LECTURE7_SANDBOX=off
# turns it off). Its limits, per kernel (the defaults shown):
#   c.SandboxedKernelManager.memory_limit = "4G"        # data segment
#   c.SandboxedKernelManager.process_limit = 256        # processes and threads (as root)
#   c.SandboxedKernelManager.file_size_limit = "64M"    # largest file written
#   c.SandboxedKernelManager.cpu_time_limit = 600       # CPU seconds, all cells
#   c.SandboxedKernelManager.open_files_limit = 1024
#   c.SandboxedKernelManager.scratch_size = "512M"      # in-memory home (the submission's
#                                                      # copy) and /tmp, each
# and what the grader keeps of a notebook's output, and how long a notebook may take:
#   c.TrustedExecute.max_cell_output = 2 * 2**20        # characters
#   c.TrustedExecute.max_notebook_output = 8 * 2**20
#   c.TrustedExecute.notebook_timeout = 1800            # seconds

# Test cells are graded in nbgrader's process, not by code the notebook can change.
c.Autograde.autograde_preprocessors = [
    "lecture7.grading.nbgrader_ext.TrustedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# nbgrader gives 0 to a test cell with any stderr output; framework warnings don't count.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"[/\\](site|dist)-packages[/\\](torch|numpy|matplotlib|IPython|ipykernel"
    r"|jupyter_client|tqdm|sklearn|scipy)[/\\]\S*:\d+: \w*Warning"
    r"|Matplotlib is building the font cache"
)

# Feedback: no hidden test source (removed regions, tracebacks cut to their last line);
# nothing a student wrote in their own cells can make generate_feedback fail.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "lecture7.grading.nbgrader_ext.ClearHiddenTestsSafely",
    "lecture7.grading.nbgrader_ext.HideTestTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
