/* SPDX-License-Identifier: MIT */
/*
 * How deep the encoder can recurse, read from the library's own schema
 * tables (so the stack bound follows the schema when fields are added).
 * msg_size and msg_write handle one message level per activation (the
 * root included), items_size/items_write/item_size/item_write one repeated
 * GroupStateItem; the proto has no recursive message, so both are finite.  Prints the bounds
 * in tests/portability/stack.awk's syntax.  Built natively by cross.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../wps_messages.c"

/* Levels below and including message `id`, and the most items on the way. */
static unsigned levels(unsigned id, unsigned *items, unsigned guard)
{
    unsigned i, best = 0, best_items = 0;

    if (guard > 32) { /* a cycle in the schema: no static bound */
        fprintf(stderr, "schema_depth: the schema nests without end\n");
        exit(1);
    }
    for (i = 0; i < descs[id].nfields; i++) {
        const field *f = &descs[id].fields[i];
        unsigned d = 0, it = 0;
        if (f->tag == 0)
            continue;
        if (f->type == T_MSG) {
            d = levels(f->sub, &it, guard + 1);
        } else if (f->type == T_ITEMS) {
            d = levels(M_ITEM, &it, guard + 1);
            it++;
        }
        if (d > best)
            best = d;
        if (it > best_items)
            best_items = it;
    }
    *items = best_items;
    return best + 1;
}

int main(void)
{
    unsigned iu, id, lu = levels(M_UP, &iu, 0), ld = levels(M_DOWN, &id, 0);
    printf("msg_size,msg_write=%u items_size,items_write,item_size,item_write=%u\n",
           lu > ld ? lu : ld, iu > id ? iu : id);
    return 0;
}
