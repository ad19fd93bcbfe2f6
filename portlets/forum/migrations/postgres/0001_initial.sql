-- The forum: one forum per class and one per school, made on first use; categories, threads and
-- posts in them; each reader's last read post per thread; reports and the audit of every
-- moderation act. Only subs and display names of people are kept, copied when they write.

-- A forum. `scope` names what it belongs to, so that a class or a school never has two.
CREATE TABLE forums (
    id            TEXT PRIMARY KEY,                -- random, 32 hex digits
    scope         TEXT NOT NULL UNIQUE,            -- 'class:{class id}' or 'school:{uai}'
    kind          TEXT NOT NULL CHECK (kind IN ('class','school')),
    school        TEXT NOT NULL,                   -- the school's UAI
    class_id      TEXT,                            -- a class forum's class
    name          TEXT NOT NULL,                   -- the class's or the school's name when it was made
    mode          TEXT NOT NULL CHECK (mode IN ('none','threads','posts')), -- whose pupils' posts wait
    open_families BIGINT NOT NULL,                -- class forum: its families read it
    open_pupils   BIGINT NOT NULL,                -- school forum: the school's pupils read and write
    open_parents  BIGINT NOT NULL,                -- school forum: the school's parents read
    created_at    BIGINT NOT NULL
);
CREATE INDEX forums_school ON forums(school);

-- A forum's categories; a forum is made with one ("Général").
CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    forum_id   TEXT NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    position   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX categories_forum ON categories(forum_id, position);

-- A thread. States: 'held' (its first post waits for a moderator: nobody else sees it), 'open',
-- 'hidden' (its first post was refused or hidden: moderators alone see it).
CREATE TABLE threads (
    id             TEXT PRIMARY KEY,
    forum_id       TEXT NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    category_id    TEXT NOT NULL REFERENCES categories(id),
    title          TEXT NOT NULL,
    author_sub     TEXT NOT NULL,
    author_name    TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('held','open','hidden')),
    locked         BIGINT NOT NULL,
    made           BIGINT NOT NULL,                -- posts written in it (held ones too): the next post's nth
    published      BIGINT NOT NULL,                -- posts made visible in it: the last one's seq
    created_at     BIGINT NOT NULL,
    last_at        BIGINT NOT NULL                 -- when its last post was made visible
);
CREATE INDEX threads_forum ON threads(forum_id, state, last_at);
CREATE INDEX threads_category ON threads(category_id, last_at);

-- A post. States: 'held' (waits for a moderator), 'visible', 'hidden' (kept for the audit,
-- shown to moderators alone). `nth` orders a thread's posts; `seq` numbers them as they become
-- visible, which is what a reader's last read post compares with.
CREATE TABLE posts (
    id             TEXT PRIMARY KEY,
    thread_id      TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    forum_id       TEXT NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    nth           BIGINT NOT NULL,
    seq            BIGINT,
    author_sub     TEXT NOT NULL,
    author_name    TEXT NOT NULL,
    author_profile TEXT NOT NULL,
    body           TEXT NOT NULL,                  -- Markdown as written (rendered and cleaned when shown)
    quote_of       TEXT REFERENCES posts(id),      -- an earlier visible post of the same thread
    state          TEXT NOT NULL CHECK (state IN ('held','visible','hidden')),
    created_at     BIGINT NOT NULL,
    published_at   BIGINT,
    edited_by_name TEXT,                           -- the moderator who last edited it
    edited_at      BIGINT,
    hidden_by      TEXT,
    hidden_at      BIGINT,
    UNIQUE (thread_id, nth)
);
CREATE INDEX posts_forum ON posts(forum_id, state);

-- Each reader's last read post per thread (its seq).
CREATE TABLE reads (
    reader_sub TEXT NOT NULL,
    thread_id  TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (reader_sub, thread_id)
);

-- A reader's report of a post, for the class's teachers and the director.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    post_id       TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    forum_id      TEXT NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    reporter_sub  TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    closed_at     BIGINT,
    closed_by     TEXT,
    UNIQUE (post_id, reporter_sub)
);
CREATE INDEX reports_forum ON reports(forum_id, closed_at);

-- Every moderation act: who, when, on what; an edit keeps the text it replaced.
CREATE TABLE audit (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    forum_id   TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_sub  TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    thread_id  TEXT,
    post_id    TEXT,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_forum ON audit(forum_id, at);
