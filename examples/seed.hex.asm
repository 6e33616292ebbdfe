; seed.hex.asm: a raw hex listing built from the seed opcode words.
;
; Each instruction is five 8-digit hex words, `op a b c d`, optionally prefixed by its
; index in the function (`ADDR:`). Operand words are raw: register numbers, immediates,
; instruction indices. A file without `.func` forms the function `main`.
;
;   adead-asm examples/seed.hex.asm -o seed.bib
;   adead-vm run seed.bib         ; exits with code 42
;   adead-asm --disasm seed.bib --mnemonic

0000: 00040001 00000001 00000028 00000000 00000000  ; movi r1, 40        (MOVI: imm64 low, high)
0001: 00040001 00000002 00000002 00000000 00000000  ; movi r2, 2
0002: 00020000 00000003 00000001 00000002 00000000  ; add  r3, r1, r2     (ADD 0x00020000)
0003: 00020002 00000004 00000003 00000002 00000000  ; mul  r4, r3, r2     (MUL 0x00020002) = 84
0004: 00020003 00000004 00000004 00000002 00000000  ; div  r4, r4, r2     (DIV 0x00020003) = 42
0005: 00020001 00000005 00000004 00000003 00000000  ; sub  r5, r4, r3     (SUB 0x00020001) = 0
0006: 00000003 00000005 00000009 00000000 00000000  ; jnz  r5, 9          (never taken)
0007: 00000000 00000000 00000000 00000000 00000000  ; nop                 (NOP 0x00000000)
0008: 000000FE 00000004 00000000 00000000 00000000  ; halt r4             exit code 42
0009: 000000FF 00000000 00000000 00000000 00000000  ; halt                (HALT 0x000000FF) exit code 0
