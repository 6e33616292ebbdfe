; hello.asm: print "hello, world" through the host and exit with code 0.
;
;   adead-asm examples/hello.asm -o hello.bib
;   adead-vm run hello.bib
;
; The host function print_str(addr, len) writes len bytes of linear memory from addr.

.data msg                       ; placed at address 16, the first data address
    .ascii "hello, world\n"

.func main params=0 regs=4
    movi r1, @msg               ; r1 = address of msg
    movi r2, 13                 ; r2 = its length in bytes
    hcall r0, print_str, r1, 2  ; print_str(r1, r2); declares the import print_str params=2
    halt                        ; exit code 0
.end
