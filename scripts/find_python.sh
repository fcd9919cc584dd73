#!/bin/sh
# Print the Python that creates .venv: the requested one ($1, default python3) when it is one of
# the versions the course installs on (requires-python in pyproject.toml: 3.11 for the GloVe
# package, up to 3.13 for TensorFlow 2.21's wheels), else the first of python3.13, python3.12,
# python3.11 on the PATH, saying so in one line on stderr. None: one line on stderr, exit 1.
SUPPORTED="3.11 3.12 3.13"
requested=${1:-python3}

version_of() {  # "3.12" for a working interpreter, nothing for a missing or broken one
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

supported() {
    case " $SUPPORTED " in *" $1 "*) [ -n "$1" ] ;; *) false ;; esac
}

found=$(version_of "$requested")
if [ -n "$found" ]; then is="$requested is Python $found"; else is="$requested does not run"; fi
if supported "$found"; then
    echo "$requested"
    exit 0
fi
for candidate in python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && supported "$(version_of "$candidate")"; then
        echo "$is, the course needs 3.11-3.13: using $candidate" >&2
        echo "$candidate"
        exit 0
    fi
done
echo "No Python 3.11, 3.12 or 3.13 found ($is; TensorFlow 2.21 and the GloVe package need one of them): install one, then run e.g. make PYTHON=python3.12 book" >&2
exit 1
