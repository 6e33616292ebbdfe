; Triggers loop_out_of_fuel under --fuel 1000: the loop's exit condition never holds.
.func main params=0 regs=4
    movi r0, 0
    movi r1, -1
top:
    addi r0, r0, 1
    bne r0, r1, top
    ret r0
.end
