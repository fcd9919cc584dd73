"""The course's datasets: real ones downloaded once into a data home, and offline ones shipped."""

from course_lib.datasets import word_vectors
from course_lib.datasets._home import RemoteFile, fetch, get_data_home
from course_lib.datasets.imdb import decode_review, load_imdb, load_imdb_word_index, load_padded_imdb
from course_lib.datasets.imdb_sample import RANKS_CACHE_NAME, load_imdb_texts
from course_lib.datasets.weather import WeatherRecord, load_jena, weather_csv_text
from course_lib.datasets.word_vectors import glove_path, load_glove

#: Files the library writes into the data home from what is installed (GloVe's text from its
#: package, the review sample's word ranks), the same on every machine: the execution cache
#: ignores them, so that the first run, which writes them, and the next one, which reads them,
#: share their cached chapters.
DERIVED_FILES = word_vectors.DERIVED_FILES | {RANKS_CACHE_NAME}

__all__ = [
    "DERIVED_FILES", "RemoteFile", "WeatherRecord", "decode_review", "fetch", "get_data_home",
    "glove_path", "weather_csv_text", "load_glove", "load_imdb", "load_imdb_texts",
    "load_imdb_word_index", "load_jena", "load_padded_imdb",
]
