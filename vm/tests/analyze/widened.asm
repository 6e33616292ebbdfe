; Triggers f64_on_f32_data: f32 values widened, scaled in f64 and narrowed, 64 times.
.memory 65536
.func main params=0 regs=8
    movi r0, 0
    movi r1, 64
    movi r2, 1024
    fmovi r5, 1.25
top:
    fld32 r3, r2, 0
    fpromote r3, r3
    fmul r3, r3, r5
    fdemote r3, r3
    fst32 r2, 0, r3
    addi r2, r2, 4
    addi r0, r0, 1
    blt r0, r1, top
    ret r0
.end
