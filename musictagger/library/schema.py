"""The library index's schema, as named migrations applied in order (see :mod:`musictagger.db`).

Append a new :class:`~musictagger.db.Migration` to change the schema; never edit one that
has shipped, because databases in the field have already run it.  A migration may call the
Python functions :func:`musictagger.library.browse.register_functions` gives a connection
(:class:`~musictagger.library.store.Library` gives them before migrating): migrations 9 and 10 do.
"""

from __future__ import annotations

from musictagger.db import Migration

FOLD_EVERY_TRACK = """
        UPDATE tracks SET
            title_folded = fold(title),
            artist_folded = fold(artist),
            album_folded = fold(album),
            path_folded = fold(path),
            tag_genres_folded = fold_genres(tag_genres);
"""
"""Every track's folded texts (:mod:`musictagger.library.folding`) made afresh: migration 9 filled them so, and
migration 10, after the fold's rule changed, filled them again."""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "create tracks and roots",
        """
        CREATE TABLE roots (
            path TEXT PRIMARY KEY,
            added_at REAL NOT NULL
        );
        CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            model_id TEXT NOT NULL,
            windows INTEGER NOT NULL,
            analysed_at REAL NOT NULL,
            duration_s REAL,
            genre TEXT,
            confidence REAL,
            uncertain INTEGER,
            probabilities TEXT,
            n_bits INTEGER,
            code BLOB,
            relaxed_code BLOB,
            title TEXT,
            artist TEXT,
            warnings TEXT,
            error TEXT
        );
        CREATE INDEX tracks_genre ON tracks (genre);
        """,
    ),
    Migration(
        # A model may now say it has no genre for a track (musictagger.model.verdict): genre is
        # then NULL, verdict 'unknown' and reason why ('not music', 'not one of: …'); the most
        # probable genre is kept in nearest_genre.  Rows stored before could only be genres.
        "store the verdict: genre or unknown, its reason and the nearest genre",
        """
        ALTER TABLE tracks ADD COLUMN verdict TEXT;
        ALTER TABLE tracks ADD COLUMN reason TEXT;
        ALTER TABLE tracks ADD COLUMN nearest_genre TEXT;
        UPDATE tracks SET verdict = 'genre', nearest_genre = genre WHERE error IS NULL;
        """,
    ),
    Migration(
        # The window's library table shows each file's own tags beside the verdict.  Title and
        # artist were stored already; album and the genre tags join them (a JSON list, ``[]``
        # for none).  NULL means "not read yet": rows stored before are filled by the next
        # indexing run, which reads their tags without analysing them again.
        "store the album and the genre tags read from the file",
        """
        ALTER TABLE tracks ADD COLUMN album TEXT;
        ALTER TABLE tracks ADD COLUMN tag_genres TEXT;
        """,
    ),
    Migration(
        # A personal head (``musictagger learn``) is trained on, and predicts from, each track's
        # embedding (musictagger.model.embedding), stored as float16.  NULL: stored before; the
        # next indexing run analyses those rows again (Library.missing_embeddings).
        "store each track's embedding for personal models",
        """
        ALTER TABLE tracks ADD COLUMN embedding BLOB;
        """,
    ),
    Migration(
        # Search keeps the codes in a file beside the index (musictagger.library.code_sidecar), which
        # is current only while the codes are unchanged.  Triggers give every change of a code (a row
        # added, removed, or stored with another code, by any process or release) a new random stamp,
        # so a reader compares one number instead of reading millions of codes; random rather than
        # counted, so that a restored backup or another library never matches a stale file.
        "stamp every change of the codes for the search's sidecar file",
        """
        CREATE TABLE codes_stamp (
            id INTEGER PRIMARY KEY CHECK (id = 0),
            stamp INTEGER NOT NULL
        );
        INSERT INTO codes_stamp (id, stamp) VALUES (0, random());
        CREATE TRIGGER codes_added AFTER INSERT ON tracks WHEN NEW.code IS NOT NULL
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        CREATE TRIGGER codes_removed AFTER DELETE ON tracks WHEN OLD.code IS NOT NULL
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        CREATE TRIGGER codes_changed AFTER UPDATE OF code, n_bits ON tracks
        WHEN OLD.code IS NOT NEW.code OR OLD.n_bits IS NOT NEW.n_bits
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        """,
    ),
    Migration(
        # The Library tab shows, filters and sorts by the active personal model's verdicts.  They are
        # computed from the embeddings once and kept here, for one model at a time (personal_model names
        # it: PersonalHead.identity), so a query reads them instead of reading every embedding through the
        # head again (musictagger.library.judged).  A track analysed again loses its verdict and a new one
        # has none: the triggers mark the verdicts incomplete, and the next query judges those tracks
        # alone; a deleted track's verdict goes with it (the foreign key).
        "store the active personal model's verdicts on the indexed tracks",
        """
        CREATE TABLE personal_verdicts (
            id INTEGER PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
            genre TEXT,
            reason TEXT,
            confidence REAL,
            uncertain INTEGER
        );
        CREATE TABLE personal_model (
            only INTEGER PRIMARY KEY CHECK (only = 1),
            model TEXT NOT NULL,
            complete INTEGER NOT NULL
        );
        CREATE TRIGGER personal_verdicts_added AFTER INSERT ON tracks
        BEGIN
            UPDATE personal_model SET complete = 0;
        END;
        CREATE TRIGGER personal_verdicts_stale AFTER UPDATE OF embedding, model_id, reason ON tracks
        BEGIN
            DELETE FROM personal_verdicts WHERE id = OLD.id;
            UPDATE personal_model SET complete = 0;
        END;
        """,
    ),
    Migration(
        # A query made of one part of a track (a microphone hears 29 s of it) is nearer that part's code
        # than the track's, which is the mean over its windows: the search orders its shortlist by the
        # nearest of a track's own relaxed code and its windows' (musictagger.library.search), kept here as
        # float32 (windows × bits).  NULL: stored before; the next indexing run analyses those rows
        # again (Library.missing_window_codes).  The search's codes file holds the tracks' own codes alone.
        "store each analysed window's relaxed code for the search",
        """
        ALTER TABLE tracks ADD COLUMN window_relaxed BLOB;
        """,
    ),
    Migration(
        # A track's id outlives its row: the Library tab holds a query's ids and reads the rows on screen by
        # id until it reloads, and `similar --json` prints ids that `similar ID` takes.  Without AUTOINCREMENT
        # SQLite gave a new file the id of the last track pruned, so those showed and acted on the new file in
        # the deleted one's place.  AUTOINCREMENT needs the table rebuilt: every row is copied with its id, and
        # personal_verdicts, whose foreign key names the table, is rebuilt beside it (dropping the old tracks
        # with personal_verdicts still referring to it would delete every verdict through ON DELETE CASCADE);
        # the index and the triggers go with the old table and are made again, as migrations 1, 5 and 6 made them.
        "never give a new track the id of a deleted one",
        """
        CREATE TABLE tracks_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            model_id TEXT NOT NULL,
            windows INTEGER NOT NULL,
            analysed_at REAL NOT NULL,
            duration_s REAL,
            genre TEXT,
            confidence REAL,
            uncertain INTEGER,
            probabilities TEXT,
            n_bits INTEGER,
            code BLOB,
            relaxed_code BLOB,
            title TEXT,
            artist TEXT,
            warnings TEXT,
            error TEXT,
            verdict TEXT,
            reason TEXT,
            nearest_genre TEXT,
            album TEXT,
            tag_genres TEXT,
            embedding BLOB,
            window_relaxed BLOB
        );
        INSERT INTO tracks_new (
            id, path, size, mtime_ns, model_id, windows, analysed_at, duration_s, genre, confidence, uncertain,
            probabilities, n_bits, code, relaxed_code, title, artist, warnings, error, verdict, reason,
            nearest_genre, album, tag_genres, embedding, window_relaxed
        )
        SELECT
            id, path, size, mtime_ns, model_id, windows, analysed_at, duration_s, genre, confidence, uncertain,
            probabilities, n_bits, code, relaxed_code, title, artist, warnings, error, verdict, reason,
            nearest_genre, album, tag_genres, embedding, window_relaxed
        FROM tracks;
        CREATE TABLE personal_verdicts_new (
            id INTEGER PRIMARY KEY REFERENCES tracks_new (id) ON DELETE CASCADE,
            genre TEXT,
            reason TEXT,
            confidence REAL,
            uncertain INTEGER
        );
        INSERT INTO personal_verdicts_new (id, genre, reason, confidence, uncertain)
        SELECT id, genre, reason, confidence, uncertain FROM personal_verdicts WHERE id IN (SELECT id FROM tracks_new);
        DROP TABLE personal_verdicts;
        DROP TABLE tracks;
        ALTER TABLE tracks_new RENAME TO tracks;
        ALTER TABLE personal_verdicts_new RENAME TO personal_verdicts;
        CREATE INDEX tracks_genre ON tracks (genre);
        CREATE TRIGGER codes_added AFTER INSERT ON tracks WHEN NEW.code IS NOT NULL
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        CREATE TRIGGER codes_removed AFTER DELETE ON tracks WHEN OLD.code IS NOT NULL
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        CREATE TRIGGER codes_changed AFTER UPDATE OF code, n_bits ON tracks
        WHEN OLD.code IS NOT NEW.code OR OLD.n_bits IS NOT NEW.n_bits
        BEGIN
            UPDATE codes_stamp SET stamp = random();
        END;
        CREATE TRIGGER personal_verdicts_added AFTER INSERT ON tracks
        BEGIN
            UPDATE personal_model SET complete = 0;
        END;
        CREATE TRIGGER personal_verdicts_stale AFTER UPDATE OF embedding, model_id, reason ON tracks
        BEGIN
            DELETE FROM personal_verdicts WHERE id = OLD.id;
            UPDATE personal_model SET complete = 0;
        END;
        """,
    ),
    Migration(
        # The Library tab's find box and its sorting by title, artist, album and genre tag compare names without
        # case or accents (musictagger.library.folding): `bjork` finds Björk, `motörhead` MOTÖRHEAD, and Élodie sorts
        # before Zazie.  SQLite's LIKE and NOCASE fold ASCII alone, and a Python collation made sorting 100,000 tracks
        # by title take 1.6 s instead of 0.45 s (bench/library_view.py), so each row keeps its texts folded: the store
        # writes them with the row, and this fills them for the rows stored before through the same Python functions,
        # which the library registers on its connection before migrating it (browse.register_functions).  100,000
        # tracks: 1.7 s at the first open, the backup included.
        "store each track's title, artist, album, path and genre tags folded, for finding and sorting",
        """
        ALTER TABLE tracks ADD COLUMN title_folded TEXT;
        ALTER TABLE tracks ADD COLUMN artist_folded TEXT;
        ALTER TABLE tracks ADD COLUMN album_folded TEXT;
        ALTER TABLE tracks ADD COLUMN path_folded TEXT;
        ALTER TABLE tracks ADD COLUMN tag_genres_folded TEXT;
        """
        + FOLD_EVERY_TRACK,
    ),
    Migration(
        # The fold removed every combining mark after NFKD, which also merged letters of other alphabets: Cyrillic
        # й was и (`мои` found Мой, and they sorted as one), kana lost their voicing (ガ was カ), Thai its tone marks,
        # Devanagari its virama and nukta.  It now removes the marks of Latin, Greek, Arabic and Hebrew letters and
        # ё's diaeresis alone, and keeps the others, recomposed (musictagger.library.folding).  The rows stored
        # before keep the old folds, which a text folded the new way no longer finds (`мой` did not find the Мой
        # stored as `мои`), so every row's folded texts are folded again through the same functions as new rows.
        "fold each track's texts again, keeping the letters of non-Latin alphabets whole",
        FOLD_EVERY_TRACK,
    ),
    Migration(
        # The table sorted names by their folded text's code points: `Track 10` before `Track 2`, kana by their
        # voicing before their letters (バラ before パプリカ), Thai by its leading vowels and tone marks (ขา before
        # เก, มาลัย before ม้าก้านกล้วย), the reverse of dictionaries' order.  Each row keeps a sort key of its
        # title, artist, album, genre tags (as shown) and path (musictagger.library.folding.sort_key: numbers as
        # numbers, accents, voicing and tone marks after the letters, Thai's leading vowels after their
        # consonant), compared by SQLite as text; the store writes them
        # with the row, and this fills them for the rows stored before through the same functions.  The path's is
        # indexed: the table opens sorted by path, which its key alone took 0.35 s to sort at 100,000 tracks, its
        # index 0.05 s (bench/sort_order.py).
        "store each track's title, artist, album, genre tags and path as sort keys, numbers as numbers",
        """
        ALTER TABLE tracks ADD COLUMN title_key TEXT;
        ALTER TABLE tracks ADD COLUMN artist_key TEXT;
        ALTER TABLE tracks ADD COLUMN album_key TEXT;
        ALTER TABLE tracks ADD COLUMN path_key TEXT;
        ALTER TABLE tracks ADD COLUMN tag_genres_key TEXT;
        UPDATE tracks SET
            title_key = sort_key(title),
            artist_key = sort_key(artist),
            album_key = sort_key(album),
            path_key = sort_key(path),
            tag_genres_key = genres_sort_key(tag_genres);
        CREATE INDEX tracks_path_key ON tracks (path_key, path);
        """,
    ),
    Migration(
        # A WMA file's tags were not read before musictagger read ASF attributes (musictagger.tags.formats.AsfFamily):
        # its row was stored with no title, artist, album or genre tags, and the Library tab showed none for an old
        # Windows library's tracks, nor did a track that was analysed already gain them at the next index.  Such rows
        # are marked as not read (as rows stored before tags were), so the next `index` of their folder reads their
        # tags without analysing the files again.  The files are those named .wma and those the tagger reads as ASF,
        # by their first bytes whatever their name (browse.holds_asf: a WMA renamed .mp3, as downloads were); only
        # rows without any tag are looked at, and a file not there now (a drive not plugged in) is left as it was.
        "read again the tags of WMA tracks stored before their ASF attributes were read",
        """
        UPDATE tracks SET tag_genres = NULL
        WHERE error IS NULL AND tag_genres = '[]' AND title IS NULL AND artist IS NULL AND album IS NULL
            AND (lower(path) LIKE '%.wma' OR holds_asf(path));
        """,
    ),
)
