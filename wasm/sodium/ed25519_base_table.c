/* Replaces ge25519_cmov8_base() in libsodium's crypto_core/ed25519/ref10/ed25519_ref10.c for the
 * wasm build (wasm/cmake/sodium_ed25519_table.cmake splices it in). Upstream stores the table of
 * multiples of the base point as 30,720 bytes of data that gzip cannot shrink (28 KB of the
 * module); here it is computed on first use from the base point with the file's own group
 * operations: the same points, so every result (keys, signatures) is the same. Only public
 * values go in. Every coordinate is stored canonical (through its 32-byte encoding), as the
 * upstream table's are small, so the arithmetic that reads them sees limbs in the usual bounds. */

static ge25519_precomp zkw_base[32][8]; /* zkw_base[i][j] = (j+1)*256^i*B */
static int             zkw_base_ready;

static void
zkw_fe25519_canonical(fe25519 f)
{
    unsigned char s[32];

    fe25519_tobytes(s, f);
    fe25519_frombytes(f, s);
}

static void
zkw_base_init(void)
{
    static const unsigned char base_point[32] = { /* B: y = 4/5, x even */
        0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
    };
    ge25519_p3      p; /* 256^i * B */
    ge25519_p3      q; /* (j+1) * 256^i * B */
    ge25519_cached  pc;
    ge25519_p1p1    r;
    ge25519_precomp *e;
    int             i;
    int             j;

    ge25519_frombytes(&p, base_point);
    for (i = 0; i < 32; i++) {
        ge25519_p3_to_cached(&pc, &p);
        q = p;
        for (j = 0; j < 8; j++) {
            if (j > 0) {
                ge25519_add(&r, &q, &pc);
                ge25519_p1p1_to_p3(&q, &r);
            }
            e = &zkw_base[i][j];
            ge25519_p3_to_precomp(e, &q);
            zkw_fe25519_canonical(e->yplusx);
            zkw_fe25519_canonical(e->yminusx);
            zkw_fe25519_canonical(e->xy2d);
        }
        for (j = 0; j < 8; j++) {
            ge25519_p3_dbl(&r, &p);
            ge25519_p1p1_to_p3(&p, &r);
        }
    }
    zkw_base_ready = 1;
}

static void
ge25519_cmov8_base(ge25519_precomp *t, const int pos, const signed char b)
{
    if (!zkw_base_ready) {
        zkw_base_init();
    }
    ge25519_cmov8(t, zkw_base[pos], b);
}
