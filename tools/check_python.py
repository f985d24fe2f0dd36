"""Say in one line whether this interpreter can run lecture7; exit 1 when it cannot.

Run by ``make`` before it creates the virtual environment::

    python tools/check_python.py

Written for any Python (2.7 included: no f-strings), so that an unsupported interpreter
gets this message instead of a syntax error or a pip resolver trace.
"""

import sys

SUPPORTED = ((3, 11), (3, 12), (3, 13))


def problem():
    """Why this interpreter cannot make the course's environment, or None."""
    major, minor, micro = sys.version_info[:3]
    version = "{}.{}.{}".format(major, minor, micro)
    names = ", ".join("{}.{}".format(*v) for v in SUPPORTED[:-1])
    names += " or {}.{}".format(*SUPPORTED[-1])
    if (major, minor) not in SUPPORTED:
        return "lecture7 needs Python {}; {} is Python {}.".format(names, sys.executable, version)
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return ("{} (Python {}) cannot create virtual environments: on Debian or Ubuntu, "
                "apt-get install python{}.{}-venv.".format(sys.executable, version, major, minor))
    return None


if __name__ == "__main__":
    why = problem()
    if why:
        print(why + " Point make at a supported one: make book PYTHON=/path/to/python3.12")
        sys.exit(1)
